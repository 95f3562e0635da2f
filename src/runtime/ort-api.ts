/**
 * The slice of the ONNX Runtime JS API the bindings use. onnxruntime-web and onnxruntime-node both
 * implement it (they share onnxruntime-common's types), but each has its own `Tensor` class and backend
 * registry, so tensors must be made with the `Tensor` of the package that runs the session.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';

export type OrtSession = InferenceSession;
export type OrtTensor = Tensor;
export type OrtOutputs = InferenceSession.ReturnType;
export type OrtSessionOptions = InferenceSession.SessionOptions;

export interface OrtApi {
  readonly Tensor: typeof Tensor;
  readonly InferenceSession: {
    create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession>;
  };
}
