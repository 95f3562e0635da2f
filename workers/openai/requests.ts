/**
 * Request bodies of the OpenAI-compatible endpoints. Unknown fields are ignored (clients send many we do
 * not use); fields we cannot honour with the value given are refused rather than silently dropped.
 */
import { z } from 'zod';
import { DECODING_MODES } from '../engine';

export const MIN_TEMPERATURE = 1e-3;

export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
export const sessionIdSchema = z
  .string()
  .regex(SESSION_ID_PATTERN, 'a session id is 1-128 characters of A-Z, a-z, 0-9, "_" and "-"');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const textPart = z.object({ type: z.literal('text'), text: z.string() });

const chatMessage = z.object({
  // "developer" is OpenAI's newer name for "system".
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]),
});

const cerberusOptions = z
  .object({
    mode: z.enum(DECODING_MODES).optional(),
    gate: z.boolean().optional(),
    /** Drafts copied from the context (engine GenerateOptions.drafts); default true. */
    drafts: z.boolean().optional(),
    /** Streams only: each text chunk carries where its tokens came from (see provenanceOf). */
    provenance: z.boolean().optional(),
  })
  .strict();

/**
 * Fields clients send with a value that changes what they get back, which this server cannot honour. The
 * neutral values (false, 0, empty, plain text) pass, since many clients send them by default.
 */
const unsupported = {
  // A boolean in chat completions, a count in (legacy) completions.
  logprobs: z.union([z.literal(false), z.literal(0)], { error: 'logprobs are not returned by this server; omit logprobs' }).nullish(),
  top_logprobs: z.literal(0, { error: 'logprobs are not returned by this server; omit top_logprobs or send 0' }).nullish(),
  presence_penalty: z.literal(0, { error: 'presence_penalty is not supported; omit it or send 0' }).nullish(),
  frequency_penalty: z.literal(0, { error: 'frequency_penalty is not supported; omit it or send 0' }).nullish(),
  // Checked on the parsed JSON itself: a record schema copies keys into a new object, where "__proto__"
  // sets the prototype instead of a key and the bias would look empty.
  logit_bias: z
    .unknown()
    .refine((bias) => bias == null || (isPlainObject(bias) && Object.keys(bias).length === 0), 'logit_bias is not supported; omit it or send {}')
    .optional(),
};

const commonFields = {
  ...unsupported,
  model: z.string().min(1),
  max_tokens: z.int().min(1).nullish(),
  // Below MIN_TEMPERATURE (denormals included) logits / T overflow: such a temperature is refused, 0 is greedy.
  temperature: z
    .number()
    .min(0)
    .max(2)
    .refine((t) => t === 0 || t >= MIN_TEMPERATURE, `temperature is 0 (greedy) or from ${MIN_TEMPERATURE} to 2`)
    .nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.int().nullish(),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(4)], {
      error: 'stop is a non-empty string or an array of at most 4 non-empty strings',
    })
    .nullish(),
  stream: z.boolean().nullish(),
  /** include_usage: usage (and the `cerberus` statistics) in one more chunk with no choices, as OpenAI does. */
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
  /** Pins the conversation to one session; the `x-session-id` header does the same and wins. */
  session_id: sessionIdSchema.optional(),
  cerberus: cerberusOptions.optional(),
};

export const chatCompletionRequest = z.object({
  ...commonFields,
  messages: z.array(chatMessage).min(1),
  max_completion_tokens: z.int().min(1).nullish(),
  tools: z.array(z.unknown()).max(0, { error: 'tool calling is not supported by this model; omit tools' }).nullish(),
  response_format: z
    .object({ type: z.literal('text', { error: 'only response_format {"type": "text"} is supported' }) })
    .nullish(),
});

/** Most prompts one /v1/completions request may batch (each is its own turn, run one after another). */
export const MAX_PROMPTS = 16;

export const completionRequest = z.object({
  ...commonFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(MAX_PROMPTS)], {
    error: `prompt is a string or an array of 1 to ${MAX_PROMPTS} strings (token-id prompts are not supported)`,
  }),
  echo: z.literal(false, { error: 'echo is not supported; the prompt is not repeated in the text' }).nullish(),
  best_of: z.literal(1, { error: 'only best_of = 1 is supported' }).nullish(),
  suffix: z.literal('', { error: 'suffix (insertion) is not supported; omit it' }).nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>;
export type CompletionRequest = z.output<typeof completionRequest>;
export type CommonRequest = ChatCompletionRequest | CompletionRequest;
export type CerberusOptions = z.output<typeof cerberusOptions>;
export { commonFields, cerberusOptions };
