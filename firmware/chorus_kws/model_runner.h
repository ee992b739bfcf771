// Model runner: the int8 model in TensorFlow Lite for Microcontrollers, with only the model's ops registered
// (CHORUS_REGISTER_OPS) and the arena size measured for it (CHORUS_ARENA_BYTES).
#ifndef CHORUS_KWS_MODEL_RUNNER_H_
#define CHORUS_KWS_MODEL_RUNNER_H_

#include <stddef.h>
#include <stdint.h>

// Load the model, register its ops, allocate the arena and check the input and output against model_settings.h.
bool model_runner_begin();

// One inference on CHORUS_FRAMES x CHORUS_CHANNELS int8 features; writes CHORUS_LABEL_COUNT probabilities.
bool model_runner_invoke(const int8_t* features, float* probabilities);

// Bytes of the arena the interpreter uses (after model_runner_begin).
size_t model_runner_arena_used();

#endif  // CHORUS_KWS_MODEL_RUNNER_H_
