/**
 * The challenge simulator's TES, JES and soft-MET nuisances as differentiable transforms on tfjs
 * tensors: stored components [N, CHALLENGE_COMPONENT_DIM] (the nominal events of
 * `generateChallengeEvents`, or of the kept events of `simulateChallenge`) -> features
 * [N, CHALLENGE_FEATURE_DIM] at the given nuisance values, with the post-selection as a 0/1 mask.
 * The transform re-derives the affected features from the stored four-momentum components (it
 * is not a map on the features alone): the same arithmetic as `deriveChallengeFeatures` (the
 * challenge's `mom4_manipulate`, `postprocess` and `DER_data`), in float32.
 *
 * Differentiable in the nuisances given as `tf.Scalar`s (and in the components): TES, JES and
 * the soft-MET width move the features smoothly (`DER_mass_vis` is `sqrt(tes)` times its
 * nominal value; the MET, `DER_mass_transverse_met_lep` and `DER_pt_h` follow the MET vector;
 * the jet pTs scale with JES). The thresholds of the post-selection (tau pT >= 26, jets
 * removed at pT <= 26 GeV) are steps: the mask and the jet multiplicity are piecewise constant,
 * with zero gradient — their effect on templates enters through which events are counted, not
 * through the gradient. Square roots are taken of `max(x, 1e-12)`, so no gradient is infinite
 * (a shift below 1e-6 GeV where a mass is exactly zero).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../src/stats/errors.js';
import { CHALLENGE_COMPONENT_DIM, CHALLENGE_CUTS, CHALLENGE_FEATURE_DIM, CHALLENGE_UNDEFINED, CHALLENGE_COMPONENT_INDEX, CHALLENGE_FEATURE_INDEX, resolveChallengeNuisances } from './challenge.js';

/** The shape nuisances of the transform: numbers (checked against the challenge's ranges) or scalars to differentiate. */
export interface ChallengeShapeNuisances {
  readonly tes?: number | tf.Scalar;
  readonly jes?: number | tf.Scalar;
  readonly softMet?: number | tf.Scalar;
}

/** Features and post-selection of a batch of events. */
export interface ChallengeFeatureTensors {
  /** [N, CHALLENGE_FEATURE_DIM], columns in CHALLENGE_FEATURES order. */
  readonly features: tf.Tensor2D;
  /** [N]: 1 where the event passes the post-selection, else 0. */
  readonly pass: tf.Tensor1D;
}

const EPS = 1e-12;

/**
 * The features of events at TES, JES and soft MET from their stored components, as tfjs ops
 * (see the module comment); the caller disposes the two tensors returned.
 *
 * @throws InputError when the components are not [N, CHALLENGE_COMPONENT_DIM] or a numeric
 *   nuisance lies outside its challenge range (scalars are not checked).
 * @example
 * ```ts
 * const ev = generateChallengeEvents({ process: 'ztautau', n: 1000, seed: 1 });
 * const c = tf.tensor2d(ev.components, [ev.n, CHALLENGE_COMPONENT_DIM]);
 * const dMass = tf.grad((tes: tf.Scalar) => {
 *   const { features, pass } = challengeFeaturesTensor(c, { tes });
 *   return tf.sum(tf.mul(tf.gather(features, CHALLENGE_FEATURE_INDEX.DER_mass_vis, 1), pass));
 * })(tf.scalar(1)); // sum of mass / (2 tes) over the events passing
 * ```
 */
export function challengeFeaturesTensor(components: tf.Tensor2D, nuisances: ChallengeShapeNuisances = {}): ChallengeFeatureTensors {
  if (components.rank !== 2 || components.shape[1] !== CHALLENGE_COMPONENT_DIM) {
    throw new InputError('argument', 'challengeFeaturesTensor components', `must have shape [N, ${CHALLENGE_COMPONENT_DIM}], got [${components.shape.join(', ')}]`);
  }
  const numeric: Record<string, number> = {};
  for (const [k, v] of Object.entries(nuisances)) if (typeof v === 'number') numeric[k] = v;
  resolveChallengeNuisances(numeric, 'challengeFeaturesTensor nuisances');
  return tf.tidy(() => {
    const scalar = (v: number | tf.Scalar | undefined, nominal: number): tf.Scalar => (v === undefined ? tf.scalar(nominal) : typeof v === 'number' ? tf.scalar(v) : v);
    const tes = scalar(nuisances.tes, 1);
    const jes = scalar(nuisances.jes, 1);
    const softMet = scalar(nuisances.softMet, 0);
    const cols = tf.unstack(components, 1);
    const C = CHALLENGE_COMPONENT_INDEX;
    const U = CHALLENGE_UNDEFINED;
    const hadPt0 = cols[C.PRI_had_pt];
    const hadEta = cols[C.PRI_had_eta];
    const hadPhi = cols[C.PRI_had_phi];
    const lepPt = cols[C.PRI_lep_pt];
    const lepEta = cols[C.PRI_lep_eta];
    const lepPhi = cols[C.PRI_lep_phi];
    const nJets0 = cols[C.PRI_n_jets];
    const cosH = tf.cos(hadPhi);
    const sinH = tf.sin(hadPhi);
    const cosL = tf.cos(lepPhi);
    const sinL = tf.sin(lepPhi);
    const oneMinusTes = tf.sub(1, tes);
    const oneMinusJes = tf.sub(1, jes);
    // mom4_manipulate
    const hadPt = tf.mul(hadPt0, tes);
    let mx = tf.add(tf.mul(cols[C.PRI_met], tf.cos(cols[C.PRI_met_phi])), tf.mul(oneMinusTes, tf.mul(hadPt0, cosH)));
    let my = tf.add(tf.mul(cols[C.PRI_met], tf.sin(cols[C.PRI_met_phi])), tf.mul(oneMinusTes, tf.mul(hadPt0, sinH)));
    const jets = [
      { pt: cols[C.PRI_jet_leading_pt], eta: cols[C.PRI_jet_leading_eta], phi: cols[C.PRI_jet_leading_phi], has: tf.step(tf.sub(nJets0, 0.5)) },
      { pt: cols[C.PRI_jet_subleading_pt], eta: cols[C.PRI_jet_subleading_eta], phi: cols[C.PRI_jet_subleading_phi], has: tf.step(tf.sub(nJets0, 1.5)) },
    ].map((j) => {
      mx = tf.add(mx, tf.mul(tf.mul(oneMinusJes, j.has), tf.mul(j.pt, tf.cos(j.phi))));
      my = tf.add(my, tf.mul(tf.mul(oneMinusJes, j.has), tf.mul(j.pt, tf.sin(j.phi))));
      return { pt: blend(j.has, tf.mul(j.pt, jes), j.pt), eta: j.eta, phi: j.phi };
    });
    mx = tf.add(mx, tf.mul(softMet, cols[C.soft_met_zx]));
    my = tf.add(my, tf.mul(softMet, cols[C.soft_met_zy]));
    const met = safeSqrt(tf.add(tf.square(mx), tf.square(my)));
    // postprocess: a jet with 0 <= pT <= 26 is removed
    let jetAllPt = tf.mul(cols[C.PRI_jet_all_pt], jes);
    let nJets = nJets0;
    const present = jets.map((j) => {
      const removed = tf.mul(atLeast(j.pt, 0), tf.sub(1, above(j.pt, CHALLENGE_CUTS.jetPt)));
      jetAllPt = tf.sub(jetAllPt, tf.mul(removed, j.pt));
      nJets = tf.sub(nJets, removed);
      return above(j.pt, CHALLENGE_CUTS.jetPt);
    });
    const pass = tf.mul(atLeast(hadPt, CHALLENGE_CUTS.hadPt), atLeast(lepPt, CHALLENGE_CUTS.lepPt)) as tf.Tensor1D;
    // DER_data, closed forms for massless vectors
    const lpx = tf.mul(lepPt, cosL);
    const lpy = tf.mul(lepPt, sinL);
    // massless pairs: m^2 = 2 pT1 pT2 (cosh(d eta) - cos(d phi)) = 4 pT1 pT2 (sinh^2(d eta / 2) + sin^2(d phi / 2)), no cancellation
    const pairTerm = (deta: tf.Tensor, dphi: tf.Tensor) => tf.add(tf.square(tf.sinh(tf.mul(deta, 0.5))), tf.square(tf.sin(tf.mul(dphi, 0.5))));
    const mvis = safeSqrt(tf.mul(tf.mul(4, tf.mul(hadPt, lepPt)), pairTerm(tf.sub(hadEta, lepEta), tf.sub(hadPhi, lepPhi))));
    // mT^2 = 2 (|MET| pT - MET . pT): where MET . pT > 0, as 2 (MET x pT)^2 / (|MET| pT + MET . pT) (no cancellation)
    const dot = tf.add(tf.mul(mx, lpx), tf.mul(my, lpy));
    const normProduct = tf.mul(met, lepPt);
    const cross = tf.sub(tf.mul(mx, lpy), tf.mul(my, lpx));
    const mt2 = blend(above(dot, 0), tf.div(tf.mul(2, tf.square(cross)), tf.maximum(tf.add(normProduct, dot), EPS)), tf.mul(2, tf.sub(normProduct, dot)));
    const mt = safeSqrt(mt2);
    const pth = safeSqrt(tf.add(tf.square(tf.add(tf.add(tf.mul(hadPt, cosH), lpx), mx)), tf.square(tf.add(tf.add(tf.mul(hadPt, sinH), lpy), my))));
    const dphi = tf.abs(tf.sub(tf.mod(tf.add(tf.sub(lepPhi, hadPhi), 3 * Math.PI), 2 * Math.PI), Math.PI));
    const dr = tf.sqrt(tf.add(tf.square(tf.sub(lepEta, hadEta)), tf.square(dphi)));
    const [j1, j2] = jets;
    const mjj2 = tf.mul(tf.mul(4, tf.mul(j1.pt, j2.pt)), pairTerm(tf.sub(j1.eta, j2.eta), tf.sub(j1.phi, j2.phi)));
    const both = tf.mul(present[0], present[1]);
    const mjj = blend(both, safeSqrt(mjj2), tf.scalar(U));
    const leading = blend(present[0], j1.pt, tf.scalar(U));
    const F = CHALLENGE_FEATURE_INDEX;
    const columns: tf.Tensor[] = new Array(CHALLENGE_FEATURE_DIM);
    columns[F.DER_mass_vis] = mvis;
    columns[F.PRI_had_pt] = hadPt;
    columns[F.PRI_lep_pt] = lepPt;
    columns[F.PRI_met] = met;
    columns[F.DER_mass_transverse_met_lep] = mt;
    columns[F.DER_pt_h] = pth;
    columns[F.DER_deltar_had_lep] = dr;
    columns[F.PRI_n_jets] = nJets;
    columns[F.PRI_jet_leading_pt] = leading;
    columns[F.PRI_jet_all_pt] = jetAllPt;
    columns[F.DER_mass_jet_jet] = mjj;
    const features = tf.stack(columns, 1) as tf.Tensor2D;
    return { features, pass };
  });
}

/**
 * 1 where x > c, else 0, with zero gradient. (Masks are steps rather than comparisons and
 * blends rather than `tf.where`: tfjs has no gradient for comparison ops on the tape.)
 */
function above(x: tf.Tensor, c: number): tf.Tensor {
  return tf.step(tf.sub(x, c));
}

/** 1 where x >= c, else 0, with zero gradient. */
function atLeast(x: tf.Tensor, c: number): tf.Tensor {
  return tf.sub(1, tf.step(tf.sub(c, x)));
}

/** `mask a + (1 - mask) b` for a 0/1 mask (a and b finite). */
function blend(mask: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(mask, a), tf.mul(tf.sub(1, mask), b));
}

function safeSqrt(x: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.maximum(x, EPS));
}
