/**
 * What the provenance spans cost: one StreamDecoder pass over a reply, per token, as the session runs it
 * a second time when a client asks for `cerberus.provenance`. Usage: npm run bench:detokenize [-- MODEL_DIR]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamDecoder, TextTokenizer } from '../../src/index';

const dir = process.argv[2] ?? 'models/tinystories-6m';
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tokenizer: { eos_token_id: number; eos_token: string } };
const tokenizer = TextTokenizer.fromJson(readFileSync(join(dir, 'tokenizer.json')), {
  id: manifest.tokenizer.eos_token_id,
  token: manifest.tokenizer.eos_token,
});
const ids = tokenizer.encode('Once upon a time, there was a little dog named Max. He loved to play in the park with his friends. '.repeat(20));
for (let round = 1; round <= 5; round++) {
  const decoder = new StreamDecoder(tokenizer);
  const start = performance.now();
  for (const id of ids) decoder.push([id]);
  const us = ((performance.now() - start) / ids.length) * 1000;
  console.log(`round ${round}: ${ids.length} tokens, ${us.toFixed(1)} µs per token`);
}
