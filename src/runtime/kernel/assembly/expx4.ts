// Shared by the decoder kernel (attention's softmax) and the row statistics (the gate's entropy).

// e^x per lane (Cephes' expf: x = n ln2 + r, a degree-6 polynomial for e^r, 2^n into the exponent);
// within 2 ulp. Lanes below -87.3 give 0, above 88.3 e^88.3.
// @ts-ignore: decorator
@inline export function expx4(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(-87.3));
  const v = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const n = f32x4.nearest(f32x4.mul(v, f32x4.splat(1.44269504088896341)));
  const r = f32x4.sub(f32x4.sub(v, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let poly = f32x4.splat(1.9875691500e-4);
  poly = f32x4.add(f32x4.mul(poly, r), f32x4.splat(1.3981999507e-3));
  poly = f32x4.add(f32x4.mul(poly, r), f32x4.splat(8.3334519073e-3));
  poly = f32x4.add(f32x4.mul(poly, r), f32x4.splat(4.1665795894e-2));
  poly = f32x4.add(f32x4.mul(poly, r), f32x4.splat(1.6666665459e-1));
  poly = f32x4.add(f32x4.mul(poly, r), f32x4.splat(5.0000001201e-1));
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(poly, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(e, scale), tiny);
}

