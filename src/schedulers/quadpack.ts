// The part of QUADPACK's dqags that scipy.integrate.quad runs for the LMS coefficients: one 21-point
// Gauss-Kronrod rule (dqk21) with QUADPACK's error estimate, in QUADPACK's float64 operation order.
// The LMS integrands are polynomials of degree <= 3, which the rule integrates exactly, so dqags stops
// after this first estimate; when it would not, the caller is told so.

const XGK = [
  0.9956571630258081, 0.9739065285171717, 0.9301574913557082, 0.8650633666889845, 0.7808177265864169,
  0.6794095682990244, 0.5627571346686047, 0.4333953941292472, 0.2943928627014602, 0.14887433898163122, 0.0,
];
const WGK = [
  0.011694638867371874, 0.032558162307964725, 0.054755896574351995, 0.07503967481091996, 0.0931254545836976,
  0.10938715880229764, 0.12349197626206584, 0.13470921731147334, 0.14277593857706009, 0.14773910490133849,
  0.1494455540029169,
];
const WG = [0.06667134430868814, 0.1494513491505806, 0.21908636251598204, 0.26926671930999635, 0.29552422471475287];

const EPMACH = 2.220446049250313e-16;
const UFLOW = 2.2250738585072014e-308;

export interface Qk21Result {
  result: number;
  abserr: number;
  resabs: number;
  resasc: number;
}

export function qk21(f: (x: number) => number, a: number, b: number): Qk21Result {
  const centr = 0.5 * (a + b);
  const hlgth = 0.5 * (b - a);
  const dhlgth = Math.abs(hlgth);
  const fv1 = new Float64Array(10);
  const fv2 = new Float64Array(10);
  let resg = 0;
  const fc = f(centr);
  let resk = WGK[10] * fc;
  let resabs = Math.abs(resk);
  for (let j = 1; j <= 5; j++) {
    const jtw = 2 * j - 1; // Fortran index 2j, zero-based
    const absc = hlgth * XGK[jtw];
    const fval1 = f(centr - absc);
    const fval2 = f(centr + absc);
    fv1[jtw] = fval1;
    fv2[jtw] = fval2;
    const fsum = fval1 + fval2;
    resg = resg + WG[j - 1] * fsum;
    resk = resk + WGK[jtw] * fsum;
    resabs = resabs + WGK[jtw] * (Math.abs(fval1) + Math.abs(fval2));
  }
  for (let j = 1; j <= 5; j++) {
    const jtwm1 = 2 * j - 2; // Fortran index 2j-1, zero-based
    const absc = hlgth * XGK[jtwm1];
    const fval1 = f(centr - absc);
    const fval2 = f(centr + absc);
    fv1[jtwm1] = fval1;
    fv2[jtwm1] = fval2;
    const fsum = fval1 + fval2;
    resk = resk + WGK[jtwm1] * fsum;
    resabs = resabs + WGK[jtwm1] * (Math.abs(fval1) + Math.abs(fval2));
  }
  const reskh = resk * 0.5;
  let resasc = WGK[10] * Math.abs(fc - reskh);
  for (let j = 0; j < 10; j++) resasc = resasc + WGK[j] * (Math.abs(fv1[j] - reskh) + Math.abs(fv2[j] - reskh));
  const result = resk * hlgth;
  resabs = resabs * dhlgth;
  resasc = resasc * dhlgth;
  let abserr = Math.abs((resk - resg) * hlgth);
  if (resasc !== 0 && abserr !== 0) {
    // (ratio)**1.5 only feeds the termination test, never the result; x*sqrt(x) avoids pow.
    const ratio = (200 * abserr) / resasc;
    abserr = resasc * Math.min(1, ratio * Math.sqrt(ratio));
  }
  if (resabs > UFLOW / (50 * EPMACH)) abserr = Math.max(EPMACH * 50 * resabs, abserr);
  return { result, abserr, resabs, resasc };
}

/**
 * scipy.integrate.quad(f, a, b, epsrel) for integrands the 21-point rule resolves at once (dqags' first
 * test passes). Throws when QUADPACK would go on subdividing, rather than return a different number.
 */
export function quadSingleRule(
  f: (x: number) => number,
  a: number,
  b: number,
  epsrel: number,
  epsabs = 1.49e-8,
): number {
  const { result, abserr, resabs } = qk21(f, a, b);
  const errbnd = Math.max(epsabs, epsrel * Math.abs(result));
  // dqagse returns the first estimate when it is good enough or when round-off makes it the best available.
  if (abserr === 0 || (abserr <= errbnd && abserr !== resabs)) return result;
  if (abserr <= 100 * EPMACH * resabs && abserr > errbnd) return result;
  throw new Error(`quad: the 21-point rule does not meet the tolerance (error ${abserr}, bound ${errbnd})`);
}
