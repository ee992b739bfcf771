// Audio provider: the board's PDM microphone, 16-bit mono at CHORUS_SAMPLE_RATE, into a ring buffer that the
// PDM interrupt fills and the main loop drains in order.
#ifndef CHORUS_KWS_AUDIO_PROVIDER_H_
#define CHORUS_KWS_AUDIO_PROVIDER_H_

#include <stddef.h>
#include <stdint.h>

// Start the microphone. false if the PDM peripheral did not start.
bool audio_provider_begin();

// Copy up to `max` samples that arrived since the last call, oldest first; returns how many.
size_t audio_provider_read(int16_t* destination, size_t max);

// Samples lost because the loop fell more than the ring behind, since the last call (then 0 again).
uint32_t audio_provider_take_dropped();

// Samples delivered by audio_provider_read since the start, dropped ones included: the audio clock.
uint32_t audio_provider_position();

#endif  // CHORUS_KWS_AUDIO_PROVIDER_H_
