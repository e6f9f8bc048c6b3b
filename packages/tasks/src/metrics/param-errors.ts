import { describe, ShapeError } from '@atelier/core';
import type { ShapeParams } from '../data/shape-params.js';

export interface ParamErrors {
  /** Share of objects whose kind is right. */
  kind: number;
  /** Share of objects whose colour is right. */
  colour: number;
  /** Mean distance between the decoded and the true centre, as a fraction of the side. */
  position: number;
  /** Mean |decoded radius − true radius|, as a fraction of the side. */
  size: number;
}

/** How far decoded object parameters are from the truth, object by object. */
export function paramErrors(
  decoded: readonly ShapeParams[],
  truth: readonly ShapeParams[],
): ParamErrors {
  if (
    !Array.isArray(decoded) ||
    !Array.isArray(truth) ||
    decoded.length !== truth.length ||
    truth.length === 0
  )
    throw new ShapeError(
      `paramErrors: expected two equal, non-empty lists of objects, got ${describe(decoded)} and ${describe(truth)}`,
    );
  const n = truth.length;
  let kind = 0;
  let colour = 0;
  let position = 0;
  let size = 0;
  for (let i = 0; i < n; i++) {
    const a = decoded[i]!;
    const b = truth[i]!;
    if (a.kind === b.kind) kind++;
    if (a.colour === b.colour) colour++;
    position += Math.hypot(a.x - b.x, a.y - b.y);
    size += Math.abs(a.radius - b.radius);
  }
  return { kind: kind / n, colour: colour / n, position: position / n, size: size / n };
}
