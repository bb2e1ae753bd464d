/**
 * The element arrays the training ops compute over: f32 in training (the
 * storage of every parameter and activation), f64 in the gradient-check
 * tests (the ops' "f64 twins" are the same code run over Float64Array).
 * Arithmetic inside an op is always f64 (JavaScript numbers); values are
 * rounded to the array's precision when stored.
 */
export type Floats = Float32Array | Float64Array;
