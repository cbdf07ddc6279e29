import { ValidationError } from '../errors.js';
import { describeValue } from '../spec/fields.js';
import { checkerboard, disk, halfspaces, shells, spirals, voronoi } from './classification.js';
import { bump, kink, ridgeSine, sine, step } from './regression.js';
import { singular } from './singular.js';
import { teacher } from './teacher.js';
import type { Target, TargetDefinition, TargetRef } from './target.js';

/** Every target family, regression first, in the order `widthsweep targets` lists them. */
const DEFINITIONS: readonly TargetDefinition[] = [
  sine,
  ridgeSine,
  bump,
  kink,
  step,
  singular,
  teacher,
  halfspaces,
  disk,
  shells,
  checkerboard,
  voronoi,
  spirals,
];

const BY_NAME = new Map(DEFINITIONS.map((definition) => [definition.name, definition]));

/** The registry entry called `name`, or undefined. */
export function getTargetDefinition(name: string): TargetDefinition | undefined {
  return BY_NAME.get(name);
}

/** All registry entries. */
export function listTargetDefinitions(): readonly TargetDefinition[] {
  return DEFINITIONS;
}

/**
 * Builds the target a task names in `dim` dimensions. Throws ValidationError for an unknown
 * name, invalid parameters (at the parameter's key) or a dimension the target does not support.
 */
export function createTarget(ref: TargetRef, dim: number): Target {
  const definition = BY_NAME.get(ref.name);
  if (definition === undefined) {
    const known = DEFINITIONS.map((d) => d.name).join(', ');
    throw new ValidationError(
      'name',
      `unknown target ${describeValue(ref.name)} (known: ${known})`,
    );
  }
  return definition.create(ref.params, dim);
}
