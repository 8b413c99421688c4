// A user kernel for datobench's tests, scale_i16(x, factor): out = x * factor on a tile of 16
// int16, written as portable C++ (no AIE API), so that the host compiler can check it too.
#include <stdint.h>

extern "C" {

void scale_i16(int16_t *x, int16_t *out, int32_t factor) {
  for (int i = 0; i < 16; i++)
    out[i] = (int16_t)(x[i] * factor);
}

}
