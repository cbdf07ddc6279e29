import { z } from 'zod';
import { listTargetDefinitions } from '../targets/registry.js';
import { studySpecWithSearchSchema } from './search.js';

/**
 * The JSON Schema of a study spec, for editors. Targets are spelled out per registry entry (a name,
 * or an object with that name's parameters), which the runtime schema leaves to validate.ts.
 */
export function studySpecJsonSchema(): Record<string, unknown> {
  const definitions = listTargetDefinitions();
  const names = definitions.map((d) => d.name) as [string, ...string[]];
  const objects = definitions.map((d) => {
    const params = d.params as unknown as z.ZodObject;
    return params.extend({ name: z.literal(d.name) }).describe(d.description);
  });
  const target = z.union([z.enum(names), ...objects]);
  // The search variant: grid.widths and grid.seeds are optional there (required without a search).
  const schema = studySpecWithSearchSchema.extend({
    grid: studySpecWithSearchSchema.shape.grid.extend({ targets: z.array(target).min(1) }),
  });
  return {
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
    title: 'widthsweep study spec',
  };
}
