/** Special functions the targets need, in plain float64 arithmetic. */

// Wichura's AS241 (Applied Statistics 37, 1988) PPND16 coefficients, lowest order first.
const A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
  0.026532189526576124, 0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

function polynomial(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) sum = sum * x + (coefficients[i] ?? 0);
  return sum;
}

/**
 * The standard normal quantile Phi^-1(p) (AS241, relative error about 1e-16), so that uniform
 * (quasi-)random coordinates become exactly Gaussian ones: -Infinity at 0, +Infinity at 1.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(A, r)) / polynomial(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = polynomial(C, r) / polynomial(D, r);
  } else {
    r -= 5;
    value = polynomial(E, r) / polynomial(F, r);
  }
  return q < 0 ? -value : value;
}

/** Gamma(n / 2) for a positive integer n, exactly by the half-integer recursion. */
function gammaOfHalf(n: number): number {
  let x = n % 2 === 0 ? 1 : 0.5;
  let value = n % 2 === 0 ? 1 : Math.sqrt(Math.PI);
  while (x < n / 2) {
    value *= x;
    x += 1;
  }
  return value;
}

/** Surface area of the unit sphere in R^dim: 2 pi^(d/2) / Gamma(d/2) (2 points when d = 1). */
export function unitSphereArea(dim: number): number {
  return (2 * Math.PI ** (dim / 2)) / gammaOfHalf(dim);
}

/** Volume of a ball of the given radius in R^dim: pi^(d/2) r^d / Gamma(d/2 + 1). */
export function ballVolume(radius: number, dim: number): number {
  return (unitSphereArea(dim) / dim) * radius ** dim;
}

/** The radius whose ball in R^dim has the given volume. */
export function ballRadius(volume: number, dim: number): number {
  return (volume / ballVolume(1, dim)) ** (1 / dim);
}
