/* Chorus command recognizer: the C twin of kws/recognizer.py's Recognizer, decision for decision.
 *
 * Feed it every inference in time order: the model's output as float probabilities (the sketch dequantizes the
 * int8 softmax output with the model's output scale and zero point, as kws.quantize.Quantization.dequantize does)
 * and the time in ms at which the inference's window ends. It keeps the results no older than average_window_ms
 * before the newest (boundary included); with at least minimum_count of them spanning at least
 * average_window_ms / 4, it averages them per label, and reports the top label (the first of equals) when it is a
 * command, its average is >= detection_threshold, and no detection of any label came less than suppression_ms
 * before. The silence and unknown labels are never reported and never start suppression. A timestamp earlier than
 * the newest is refused (CHORUS_ERR_ORDER) and changes nothing.
 *
 * The results live in a caller-given ring of `capacity` entries. Give it room for every result one window can
 * hold (average_window_ms / inference stride + 2); if it is ever full, the oldest result is dropped early and
 * counted in `dropped`, the one way the C recognizer can differ from the Python one. Averages are summed in
 * float32 oldest first; on dequantized int8 scores (multiples of the output scale) they are exact. */
#ifndef CHORUS_RECOGNIZER_H_
#define CHORUS_RECOGNIZER_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHORUS_RECOGNIZER_OK 0
#define CHORUS_RECOGNIZER_ERR_CONFIG (-1)
#define CHORUS_RECOGNIZER_ERR_ORDER (-3)

typedef struct {
    int32_t label_count;       /* model outputs */
    int32_t average_window_ms; /* results at most this much older than the newest are averaged */
    float detection_threshold; /* the top label's average must reach this */
    int32_t suppression_ms;    /* after a detection, none other until this much later */
    int32_t minimum_count;     /* fewer results in the window: too few to trust */
    int32_t silence_index;     /* the _silence_ label's index, or -1 */
    int32_t unknown_index;     /* the _unknown_ label's index, or -1 */
} chorus_recognizer_config;

typedef struct {
    int32_t label;   /* index of the recognized label */
    float score;     /* its average probability over the window */
    int32_t time_ms; /* timestamp of the inference that confirmed it */
} chorus_detection;

typedef struct {
    chorus_recognizer_config config;
    float *scores;  /* capacity x label_count */
    int32_t *times; /* capacity */
    int32_t capacity;
    int32_t head; /* ring index of the oldest result */
    int32_t count;
    int32_t has_detection;
    int32_t last_detection_ms;
    uint32_t dropped; /* results dropped from a full ring while still in the window */
} chorus_recognizer;

/* CHORUS_RECOGNIZER_OK, or CHORUS_RECOGNIZER_ERR_CONFIG. */
int chorus_recognizer_init(chorus_recognizer *r, const chorus_recognizer_config *config, float *scores, int32_t *times,
                           int32_t capacity);

void chorus_recognizer_reset(chorus_recognizer *r);

/* 1 and *detection filled when a command is recognized, 0 when not, CHORUS_RECOGNIZER_ERR_ORDER for a timestamp
 * before the newest one. */
int chorus_recognizer_process(chorus_recognizer *r, const float *scores, int32_t time_ms, chorus_detection *detection);

#ifdef __cplusplus
}
#endif

#endif /* CHORUS_RECOGNIZER_H_ */
