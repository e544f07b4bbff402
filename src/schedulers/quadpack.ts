// The part of QUADPACK's dqags that scipy.integrate.quad runs for the LMS coefficients: one 21-point
// Gauss-Kronrod rule (dqk21) with QUADPACK's error estimate, in QUADPACK's float64 operation order.
// The LMS integrands are polynomials of degree <= 3, which the rule integrates exactly, so dqags stops
// after this first estimate; when it would not, the caller is told so.

const XGK = [
  0.995657163025808080735527280689003, 0.973906528517171720077964012084452, 0.930157491355708226001207180059508,
  0.865063366688984510732096688423493, 0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
  0.562757134668604683339000099272694, 0.433395394129247190799265943165784, 0.294392862701460198131126603103866,
  0.14887433898163121088482600112972, 0.0,
];
const WGK = [
  0.011694638867371874278064396062192, 0.03255816230796472747881897245939, 0.05475589657435199603138130024458,
  0.07503967481091995276704314091619, 0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
  0.123491976262065851077208814036397, 0.134709217311473325928054001771707, 0.142775938577060080797094273138717,
  0.147739104901338491374841515972068, 0.149445554002916905664936468389821,
];
const WG = [
  0.066671344308688137593568809893332, 0.149451349150580593145776339657697, 0.219086362515982043995534934228163,
  0.269266719309996355091226921569469, 0.295524224714752870173892994651338,
];

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
