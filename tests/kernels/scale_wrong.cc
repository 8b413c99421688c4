// A planted wrong kernel for datobench's tests: like scale.cc, but element 5 is off by one.
#include <stdint.h>

extern "C" {

void scale_i16(int16_t *x, int16_t *out, int32_t factor) {
  for (int i = 0; i < 16; i++)
    out[i] = (int16_t)(x[i] * factor + (i == 5));
}

}
