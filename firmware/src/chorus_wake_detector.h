/* Chorus wake detector: the C twin of kws/wake_word_eval.py's wakes(), step for step, as ESPHome's
 * micro_wake_word decides.
 *
 * Feed it the streaming model's raw output at every model step (one step per `stride` feature frames). It keeps the
 * last `window` outputs; once it holds `window` of them it dequantizes their mean with the model's output scale and
 * zero point and wakes when the mean is above `cutoff`, unless the last wake came fewer than `refractory_steps`
 * steps before (the device ignores its buffers for a second after a wake). The mean is summed in integers, so only
 * the final scale rounds (float32 here, float64 in Python: a mean within one float32 ulp of the cutoff may differ). */
#ifndef CHORUS_WAKE_DETECTOR_H_
#define CHORUS_WAKE_DETECTOR_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHORUS_WAKE_MAX_WINDOW 32
#define CHORUS_WAKE_OK 0
#define CHORUS_WAKE_ERR_CONFIG (-1)

typedef struct {
    int32_t window;           /* sliding_window_size: outputs averaged, 1 .. CHORUS_WAKE_MAX_WINDOW */
    float cutoff;             /* probability_cutoff: the mean must be above it */
    int32_t refractory_steps; /* steps after a wake during which no other is reported */
    float output_scale;       /* the model's output quantization */
    int32_t output_zero_point;
} chorus_wake_config;

typedef struct {
    chorus_wake_config config;
    int32_t outputs[CHORUS_WAKE_MAX_WINDOW]; /* ring of the last `window` raw outputs */
    int32_t filled;
    int32_t next;     /* ring slot the next output goes to */
    int32_t sum;      /* of the ring's raw outputs */
    int32_t step;     /* model steps seen since the reset */
    int32_t quiet_to; /* the first step at which a wake may be reported again */
} chorus_wake_detector;

/* CHORUS_WAKE_OK, or CHORUS_WAKE_ERR_CONFIG for a window out of range or a scale that is not positive. */
int chorus_wake_detector_init(chorus_wake_detector *d, const chorus_wake_config *config);

void chorus_wake_detector_reset(chorus_wake_detector *d);

/* 1 when the detector wakes at this step, else 0; *mean (if not NULL) gets the window's mean probability, or 0
 * while the window is filling. */
int chorus_wake_detector_process(chorus_wake_detector *d, int32_t raw_output, float *mean);

#ifdef __cplusplus
}
#endif

#endif /* CHORUS_WAKE_DETECTOR_H_ */
