// Wake feature provider: the TFLite Micro frontend (src/chorus_micro_frontend.c) over the microphone's samples,
// a frame of 40 int8 features every 10 ms, gathered CHORUS_STRIDE_FRAMES at a time for one model step.
#ifndef CHORUS_WAKE_FEATURE_PROVIDER_H_
#define CHORUS_WAKE_FEATURE_PROVIDER_H_

#include <stddef.h>
#include <stdint.h>

// A fresh frontend (empty window, noise estimates at zero) and no frames gathered: as a device just switched on.
void wake_feature_provider_begin();

// Feed samples in order. true when a model step's CHORUS_STRIDE_FRAMES frames are ready in
// wake_feature_provider_input(); feed at most CHORUS_STEP_SAMPLES at a time, so no frame is ever skipped.
bool wake_feature_provider_push(const int16_t* samples, size_t count);

// CHORUS_STRIDE_FRAMES x CHORUS_CHANNELS int8 features, oldest frame first.
const int8_t* wake_feature_provider_input();

#endif  // CHORUS_WAKE_FEATURE_PROVIDER_H_
