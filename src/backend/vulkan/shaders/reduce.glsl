// Workgroup reductions over WG invocations (WG a power of two, defined before inclusion): every
// invocation calls them with its partial value and gets the total.
#ifndef SAM3RT_REDUCE_GLSL
#define SAM3RT_REDUCE_GLSL

shared float red_buf[WG];

float wg_sum(float v) {
  const uint t = gl_LocalInvocationID.x;
  barrier();
  red_buf[t] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) red_buf[t] += red_buf[t + s];
    barrier();
  }
  return red_buf[0];
}

// NaN-propagating maximum (as the CPU kernels' comparisons).
float max_nan(float a, float b) { return (isnan(a) || a > b) ? a : (isnan(b) ? b : max(a, b)); }

float wg_max(float v) {
  const uint t = gl_LocalInvocationID.x;
  barrier();
  red_buf[t] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) red_buf[t] = max_nan(red_buf[t], red_buf[t + s]);
    barrier();
  }
  return red_buf[0];
}

#endif
