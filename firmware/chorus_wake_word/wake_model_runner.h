// Wake model runner: the streaming int8 model in TFLM, its past kept in resource variables between steps.
#ifndef CHORUS_WAKE_MODEL_RUNNER_H_
#define CHORUS_WAKE_MODEL_RUNNER_H_

#include <stddef.h>
#include <stdint.h>

// Load the model, register only its ops, allocate the arena. false (with a message) if anything does not fit.
bool wake_model_runner_begin();

// One model step on CHORUS_STRIDE_FRAMES x CHORUS_CHANNELS int8 features: its raw quantized output.
bool wake_model_runner_invoke(const int8_t* features, int32_t* raw_output);

// Forget the model's past (after the audio was interrupted).
void wake_model_runner_reset();

size_t wake_model_runner_arena_used();

#endif  // CHORUS_WAKE_MODEL_RUNNER_H_
