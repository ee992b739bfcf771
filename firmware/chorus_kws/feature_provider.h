// Feature provider: the portable Chorus feature code (src/chorus_features.c) over the microphone's audio. It keeps
// the model's input window, CHORUS_FRAMES x CHORUS_CHANNELS int8 values, computing only the frames new audio
// completes, and says when an inference is due: every CHORUS_INFERENCE_STRIDE_FRAMES frames, on the same windows
// kws.streaming.stream_scores evaluates in training.
#ifndef CHORUS_KWS_FEATURE_PROVIDER_H_
#define CHORUS_KWS_FEATURE_PROVIDER_H_

#include <stddef.h>
#include <stdint.h>

bool feature_provider_begin();

// Start a new window from the next sample (after lost audio); `position` is the audio clock there, in samples.
void feature_provider_restart(uint32_t position);

// Append samples (at most CHORUS_HOP_SAMPLES per call, so no window is skipped). true when an inference is due.
bool feature_provider_push(const int16_t* samples, size_t count);

// The model's input, oldest frame first.
const int8_t* feature_provider_input();

// When the window's audio ends, in ms of the audio clock: the recognizer's timestamp.
int32_t feature_provider_time_ms();

#endif  // CHORUS_KWS_FEATURE_PROVIDER_H_
