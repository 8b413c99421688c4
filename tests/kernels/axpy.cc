// A user kernel for datobench's tests: out = a * x + y on tiles of 8 float, portable C++.
extern "C" {

void axpy_f32(float *x, float *y, float *out, float a) {
  for (int i = 0; i < 8; i++)
    out[i] = a * x[i] + y[i];
}

}
