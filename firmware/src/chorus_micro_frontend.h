/* The TensorFlow Lite Micro audio frontend ("microfrontend") as ESPHome's micro_wake_word and pymicro-features
 * configure it, in fixed point, bit for bit. Written for Chorus from the algorithm; C99, no allocation, and
 * no libm on the way to a frame.
 *
 * 16 kHz int16 PCM in; every 10 ms (160 samples) once a 30 ms window (480 samples) has arrived, one frame of 40
 * uint16 values out. Per frame: a Hann window in Q12, the windowed block shifted up to fill 16 bits, a 512-point
 * int16 fixed-point real FFT (kissfft's radix-4 arithmetic: every stage divides by 4, with its roundings), the
 * energy of bins 5..240, 41 triangular mel bands 125..7500 Hz with Q12 integer weights (40 channels kept),
 * a rounded integer square root, noise reduction (per-channel noise estimate, smoothing 0.025 / 0.06 on
 * even / odd channels, smoothing bits 10, at least 5% of the signal kept), PCAN gain control (strength 0.95,
 * offset 80, gain bits 21, as a piecewise-quadratic table) and a fixed-point natural log scaled by 2^6.
 *
 * pymicro-features (and kws.micro_frontend) return value * CHORUS_MF_FEATURE_SCALE as floats; a microWakeWord
 * model takes int8 = clamp(round_half_even(feature / input_scale + zero_point), -128, 127) in float32.
 *
 * Every table the upstream code computes at start-up with float libm calls (window, filterbank weights, PCAN
 * table, FFT twiddles) is a const table here, in flash; host/test_micro_frontend.c re-derives each one from its
 * formula. The state is plain data (about 2.2 KB): declare it static. */
#ifndef CHORUS_MICRO_FRONTEND_H_
#define CHORUS_MICRO_FRONTEND_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHORUS_MF_SAMPLE_RATE 16000
#define CHORUS_MF_WINDOW_SAMPLES 480 /* 30 ms */
#define CHORUS_MF_STEP_SAMPLES 160   /* 10 ms */
#define CHORUS_MF_CHANNELS 40
#define CHORUS_MF_FFT_SIZE 512
#define CHORUS_MF_FIRST_BIN 5    /* 1.5 + 125 Hz / 31.25 Hz, truncated */
#define CHORUS_MF_END_BIN 241    /* one past the last bin of the top band */
#define CHORUS_MF_BANDS 41       /* the 40 channels and the band below the first, whose upper slope feeds it */
#define CHORUS_MF_PCAN_LEVELS 31 /* PCAN table rows, for noise estimates with 2..32 significant bits */

/* float feature = uint16 frame value * this (pymicro-features' scale, 1/25.6) */
#define CHORUS_MF_FEATURE_SCALE 0.0390625f

typedef struct {
    int16_t input[CHORUS_MF_WINDOW_SAMPLES];     /* the window being filled, oldest sample first */
    int16_t fft[CHORUS_MF_FFT_SIZE];             /* windowed block, then 256 complex values (re, im) in place */
    uint32_t noise_estimate[CHORUS_MF_CHANNELS]; /* per channel, scaled up by 2^10 */
    uint32_t input_used;                         /* samples in input[] */
    uint32_t frames;                             /* frames produced since init */
} chorus_micro_frontend_state;

/* Empty window, zero noise estimates: what a fresh pymicro-features MicroFrontend (or reset()) starts from. */
void chorus_micro_frontend_init(chorus_micro_frontend_state *state);

/* Take up to count samples, no more than the window still lacks, and report how many in *samples_read (may be
 * NULL). Returns 1 with a frame in out[0 .. 39] when the window became full, then drops its oldest 160 samples;
 * returns 0 (out untouched) otherwise. Call again with the samples not read. Fed 160 at a time, the first frame
 * comes with the third call and one frame with every call after, as with pymicro-features' process_samples. */
int chorus_micro_frontend_process(chorus_micro_frontend_state *state, const int16_t *samples, size_t count,
                                  size_t *samples_read, uint16_t out[CHORUS_MF_CHANNELS]);

/* out[i] = frame[i] * CHORUS_MF_FEATURE_SCALE: the floats pymicro-features returns. */
void chorus_micro_frontend_to_float(const uint16_t frame[CHORUS_MF_CHANNELS], float out[CHORUS_MF_CHANNELS]);

/* A model's int8 input: clamp(round_half_even(feature / input_scale + zero_point), -128, 127), float32 math as
 * numpy does it, with feature = frame[i] * CHORUS_MF_FEATURE_SCALE. */
void chorus_micro_frontend_quantize(const uint16_t frame[CHORUS_MF_CHANNELS], float input_scale, int32_t zero_point,
                                    int8_t out[CHORUS_MF_CHANNELS]);

/* The fixed tables, exported for the host test that re-derives them (no other code needs them). */
extern const int16_t chorus_mf_window[CHORUS_MF_WINDOW_SAMPLES]; /* Q12 Hann, floorf(w * 4096 + 0.5f) */
extern const uint8_t chorus_mf_band_edges[CHORUS_MF_BANDS + 1];  /* band b covers bins [edges[b], edges[b+1]) */
extern const int16_t chorus_mf_weights[CHORUS_MF_END_BIN - CHORUS_MF_FIRST_BIN]; /* Q12 weight of each bin */
extern const int16_t chorus_mf_cos_quarter[CHORUS_MF_FFT_SIZE / 4 + 1];          /* round(32767 cos(2 pi k / 512)) */
extern const int16_t chorus_mf_pcan_small[2];                                    /* gain at noise estimate 0 and 1 */
extern const int16_t chorus_mf_pcan_table[CHORUS_MF_PCAN_LEVELS][3];             /* gain at 2^(n-1), slope, curvature */
extern const uint16_t chorus_mf_log_table[129]; /* (log2(1 + k/128) - k/128) * 2^16, rounded */

#ifdef __cplusplus
}
#endif

#endif /* CHORUS_MICRO_FRONTEND_H_ */
