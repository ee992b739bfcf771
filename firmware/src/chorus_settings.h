/* The core's configurations filled from a generated model_settings.h (kws/firmware.py), the one place that maps
 * its macros onto the structs. Include model_settings.h before this header. */
#ifndef CHORUS_SETTINGS_H_
#define CHORUS_SETTINGS_H_

#include "chorus_features.h"
#include "chorus_recognizer.h"

#ifndef CHORUS_MODEL_SETTINGS_H_
#error "include the generated model_settings.h before chorus_settings.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Workspace floats and recognizer ring the model's settings need, as constants for static arrays. */
#define CHORUS_SETTINGS_WORKSPACE_FLOATS                                                                               \
    CHORUS_FEATURES_WORKSPACE_FLOATS(CHORUS_N_FFT, CHORUS_WINDOW_SAMPLES, CHORUS_N_MELS, CHORUS_N_MFCC, CHORUS_FRAMES)
#define CHORUS_SETTINGS_RECOGNIZER_FLOATS (CHORUS_RECOGNIZER_CAPACITY * CHORUS_LABEL_COUNT)

static inline void chorus_settings_features(chorus_features_config *c) {
    c->sample_rate = CHORUS_SAMPLE_RATE;
    c->clip_samples = CHORUS_CLIP_SAMPLES;
    c->window_samples = CHORUS_WINDOW_SAMPLES;
    c->hop_samples = CHORUS_HOP_SAMPLES;
    c->n_fft = CHORUS_N_FFT;
    c->n_mels = CHORUS_N_MELS;
    c->n_mfcc = CHORUS_N_MFCC;
    c->mel_htk = CHORUS_MEL_HTK;
    c->mel_norm_slaney = CHORUS_MEL_NORM_SLANEY;
    c->fmin = CHORUS_FMIN;
    c->fmax = CHORUS_FMAX;
    c->power = CHORUS_POWER;
    c->log_offset = CHORUS_LOG_OFFSET;
    c->norm_mean = CHORUS_NORM_MEAN;
    c->norm_std = CHORUS_NORM_STD;
    c->input_scale = CHORUS_INPUT_SCALE;
    c->input_zero_point = CHORUS_INPUT_ZERO_POINT;
}

static inline void chorus_settings_recognizer(chorus_recognizer_config *c) {
    c->label_count = CHORUS_LABEL_COUNT;
    c->average_window_ms = CHORUS_AVERAGE_WINDOW_MS;
    c->detection_threshold = CHORUS_DETECTION_THRESHOLD;
    c->suppression_ms = CHORUS_SUPPRESSION_MS;
    c->minimum_count = CHORUS_MINIMUM_COUNT;
    c->silence_index = CHORUS_SILENCE_INDEX;
    c->unknown_index = CHORUS_UNKNOWN_INDEX;
}

#ifdef __cplusplus
}
#endif

#endif /* CHORUS_SETTINGS_H_ */
