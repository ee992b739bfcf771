/* Chorus feature code for the device: the C implementation of kws.features.FeatureParams.
 *
 * One frame of n_fft int16 samples at sample_rate becomes `channels` float features exactly as the Python
 * featurizer computes them: samples / 32768, a periodic Hann window of window_samples zero-padded to n_fft and
 * centred in it, a real FFT, |X|^power, a librosa-compatible mel filter bank (Slaney or HTK mel scale, Slaney
 * area normalization or none), ln(mel + log_offset), and optionally the first n_mfcc orthonormal DCT-II
 * coefficients. Model inputs are then normalized, x' = (x - norm_mean) / norm_std, and quantized to int8,
 * q = clamp(round_half_even(x' / input_scale) + input_zero_point, -128, 127), numpy's rounding.
 *
 * The streaming feature provider keeps the model's input window: `frames` x `channels` int8 values, oldest frame
 * first. Push audio in any chunk sizes; only frames completed by the new samples are computed. Frame t covers
 * samples [t*hop_samples, t*hop_samples + n_fft) of everything pushed since the last reset, so once `frames`
 * frames exist the window equals the Python features of the clip that starts at (frames_total - frames) * hop.
 *
 * No allocation: the caller gives one float workspace of CHORUS_FEATURES_WORKSPACE_FLOATS(...) floats, which holds
 * the tables (FFT twiddles, window, mel weights, DCT), the FFT buffer, the pending audio and the int8 window.
 * Float32 arithmetic throughout (the Cortex-M4F FPU); no double. */
#ifndef CHORUS_FEATURES_H_
#define CHORUS_FEATURES_H_

#include <stddef.h>
#include <stdint.h>

#include "chorus_fft.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CHORUS_OK 0
#define CHORUS_ERR_CONFIG (-1)    /* a parameter the feature code does not support */
#define CHORUS_ERR_WORKSPACE (-2) /* the workspace is too small for the configuration */
#define CHORUS_MAX_MELS 254       /* a mel band index fits a byte, 255 marks bins outside every band */

typedef struct {
    int32_t sample_rate;     /* Hz */
    int32_t clip_samples;    /* samples the model's window spans (1 s) */
    int32_t window_samples;  /* Hann window length, <= n_fft */
    int32_t hop_samples;     /* stride between frames, <= n_fft */
    int32_t n_fft;           /* FFT size, a power of two */
    int32_t n_mels;          /* mel bands */
    int32_t n_mfcc;          /* 0: log-mel features; N: first N DCT-II coefficients of the log-mel */
    int32_t mel_htk;         /* 0: Slaney mel scale (librosa's default), 1: HTK */
    int32_t mel_norm_slaney; /* 1: Slaney area normalization of each filter, 0: none */
    float fmin;              /* lowest mel band edge, Hz */
    float fmax;              /* highest mel band edge, Hz */
    float power;             /* |X|^power before the filter bank */
    float log_offset;        /* features are ln(mel + log_offset) */
    float norm_mean;         /* model input normalization: (x - norm_mean) / norm_std */
    float norm_std;
    float input_scale; /* the model's int8 input quantization */
    int32_t input_zero_point;
} chorus_features_config;

/* Channels per frame, and frames per window, of a configuration (also usable in constant expressions). */
#define CHORUS_CHANNELS_OF(n_mels, n_mfcc) ((n_mfcc) > 0 ? (n_mfcc) : (n_mels))
#define CHORUS_FRAMES_OF(clip_samples, n_fft, hop_samples) (1 + ((clip_samples) - (n_fft)) / (hop_samples))

/* Floats of workspace a configuration needs; the sketch sizes a static array with it. */
#define CHORUS_FEATURES_WORKSPACE_FLOATS(n_fft, window_samples, n_mels, n_mfcc, frames)                                \
    (CHORUS_FFT_TABLE_FLOATS(n_fft)                             /* twiddles */                                         \
     + (window_samples) / 2 + 1                                 /* half of the symmetric window */                     \
     + ((n_fft) / 2 + 1)                                        /* mel weight per FFT bin */                           \
     + ((n_fft) / 2 + 1 + 3) / 4                                /* mel band index per FFT bin (bytes) */               \
     + (n_mels)                                                 /* filter normalization */                             \
     + (n_mels) * (n_mfcc)                                      /* DCT matrix */                                       \
     + (n_fft)                                                  /* FFT buffer */                                       \
     + (n_mels) + CHORUS_CHANNELS_OF(n_mels, n_mfcc)            /* log-mel and output of one frame */                  \
     + ((n_fft) + 1) / 2                                        /* pending int16 audio */                              \
     + (CHORUS_CHANNELS_OF(n_mels, n_mfcc) * (frames) + 3) / 4) /* the int8 window */

typedef struct {
    chorus_features_config config;
    int32_t frames;    /* frames in the model's window */
    int32_t channels;  /* features per frame */
    int32_t first_bin; /* FFT bins outside [first_bin, last_bin] touch no mel band */
    int32_t last_bin;
    float *fft_table;
    float *window;     /* window[i] / 32768 for i <= window_samples / 2 (the rest by symmetry) */
    float *mel_weight; /* per bin: weight t of band mel_band[k]; band mel_band[k] - 1 gets 1 - t */
    uint8_t *mel_band;
    float *mel_norm;
    float *dct; /* n_mels x n_mfcc, or NULL */
    float *fft;
    float *log_mel;
    float *out;
    int16_t *pending; /* the samples of the frame being filled */
    int32_t pending_count;
    int8_t *matrix;         /* frames x channels, oldest frame first */
    uint32_t frames_total;  /* frames computed since the last reset */
    uint32_t samples_total; /* samples pushed since the last reset */
} chorus_features;

/* Floats of workspace `config` needs (the macro above, evaluated). */
size_t chorus_features_workspace_floats(const chorus_features_config *config);

/* Check the configuration, lay out the workspace and compute the tables. CHORUS_OK or a CHORUS_ERR_* code. */
int chorus_features_init(chorus_features *f, const chorus_features_config *config, float *workspace,
                         size_t workspace_floats);

/* Forget all audio: the next frame starts at the next sample pushed. */
void chorus_features_reset(chorus_features *f);

/* One frame: n_fft samples -> `channels` float features (log-mel or MFCC) in out. */
void chorus_features_frame(chorus_features *f, const int16_t *samples, float *out);

/* The model input for one feature: normalized, quantized, clamped to int8. */
int8_t chorus_features_quantize(const chorus_features_config *config, float feature);

/* Round to the nearest integer, halves to even (numpy.round), for |x| < 2^23. */
int32_t chorus_round_half_even(float x);

/* Append audio; computes every frame it completes into the int8 window. Returns the number of new frames. */
int32_t chorus_features_push(chorus_features *f, const int16_t *samples, size_t count);

/* 1 once the window holds `frames` frames of audio. */
int chorus_features_ready(const chorus_features *f);

/* The int8 window, frames x channels, oldest frame first: the model's input. */
const int8_t *chorus_features_matrix(const chorus_features *f);

/* Time, in ms of audio since the reset, at which the window's clip ends: (start + clip_samples) / sample_rate
 * with start = (frames_total - frames) * hop_samples, as kws.streaming.stream_scores times its windows.
 * -1 while not ready. */
int32_t chorus_features_window_end_ms(const chorus_features *f);

#ifdef __cplusplus
}
#endif

#endif /* CHORUS_FEATURES_H_ */
