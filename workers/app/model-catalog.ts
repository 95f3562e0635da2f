/** What GET /v1/models lists and which `model` names requests may use: read from the model's manifest. */
import { z } from 'zod';
import type { ModelSource } from '../engine';
import { modelUnavailable } from '../api-error';
import { onceRetrying } from '../once';

export interface ModelCard {
  readonly id: string;
  readonly context_length: number;
}

export interface ModelCatalog {
  list(): Promise<readonly ModelCard[]>;
}

// Only the fields the router needs; the engine validates the whole manifest when it loads the model.
const manifestHead = z.object({
  name: z.string().min(1),
  architecture: z.object({ max_positions: z.int().positive() }),
});

/** A catalog of the one model in `source`; the manifest is read once (again after a failed read). */
export function manifestCatalog(source: ModelSource): ModelCatalog {
  const list = onceRetrying(async (): Promise<readonly ModelCard[]> => {
    let manifest: z.output<typeof manifestHead>;
    try {
      manifest = manifestHead.parse(JSON.parse(new TextDecoder().decode(await source.read('manifest.json'))));
    } catch (error) {
      throw modelUnavailable(error);
    }
    return [{ id: manifest.name, context_length: manifest.architecture.max_positions }];
  });
  return { list };
}
