// Small SIMD helpers shared by the kernel files. Binaryen inlines them at -O3.

/** The four lanes of `v` summed in a fixed order, so results never depend on the caller. */
export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/** The all-zero vector. */
export function zero(): v128 {
  return f32x4.splat(0);
}

/** Lanes of `value` where `h` > 0, else 0: the ReLU derivative applied to a gradient. */
export function maskPositive(value: v128, h: v128): v128 {
  return v128.and(value, f32x4.gt(h, f32x4.splat(0)));
}

/** Byte offset of float `index`. */
export function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}
