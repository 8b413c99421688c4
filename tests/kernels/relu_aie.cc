// A user kernel for datobench's tests written with the AIE API only: the host cannot compile
// it (aie_api comes with the AIE toolchain).
#include <aie_api/aie.hpp>

extern "C" {

void relu_i16(int16_t *x, int16_t *out) {
  aie::vector<int16_t, 16> v = aie::load_v<16>(x);
  aie::store_v(out, aie::max(v, (int16_t)0));
}

}
