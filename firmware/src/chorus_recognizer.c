/* Chorus command recognizer: see chorus_recognizer.h; each step names the kws/recognizer.py line it mirrors. */
#include "chorus_recognizer.h"

#include <string.h>

#define MIN_SPAN_DIVISOR 4 /* kws.recognizer.MIN_SPAN_DIVISOR */

int chorus_recognizer_init(chorus_recognizer *r, const chorus_recognizer_config *config, float *scores, int32_t *times,
                           int32_t capacity) {
    if (config->label_count <= 0 || config->average_window_ms < 0 || config->suppression_ms < 0 || capacity <= 0 ||
        scores == NULL || times == NULL) {
        return CHORUS_RECOGNIZER_ERR_CONFIG;
    }
    memset(r, 0, sizeof(*r));
    r->config = *config;
    r->scores = scores;
    r->times = times;
    r->capacity = capacity;
    chorus_recognizer_reset(r);
    return CHORUS_RECOGNIZER_OK;
}

void chorus_recognizer_reset(chorus_recognizer *r) {
    r->head = 0;
    r->count = 0;
    r->has_detection = 0;
    r->last_detection_ms = 0;
    r->dropped = 0;
}

static int32_t slot(const chorus_recognizer *r, int32_t i) {
    return (r->head + i) % r->capacity;
}

int chorus_recognizer_process(chorus_recognizer *r, const float *scores, int32_t time_ms, chorus_detection *detection) {
    const chorus_recognizer_config *c = &r->config;
    const int32_t labels = c->label_count;
    if (r->count > 0 && time_ms < r->times[slot(r, r->count - 1)]) {
        return CHORUS_RECOGNIZER_ERR_ORDER;
    }
    /* drop results older than the window (the new one never is); Python appends first, the result is the same */
    while (r->count > 0 && r->times[r->head] < time_ms - c->average_window_ms) {
        r->head = (r->head + 1) % r->capacity;
        r->count -= 1;
    }
    if (r->count == r->capacity) {
        r->head = (r->head + 1) % r->capacity;
        r->count -= 1;
        r->dropped += 1;
    }
    const int32_t newest = slot(r, r->count);
    r->times[newest] = time_ms;
    memcpy(r->scores + (size_t)newest * (size_t)labels, scores, sizeof(float) * (size_t)labels);
    r->count += 1;

    const int32_t span = time_ms - r->times[r->head];
    if (r->count < c->minimum_count || span < c->average_window_ms / MIN_SPAN_DIVISOR) {
        return 0;
    }
    /* the average per label; the top is the first of equals (strict '>') */
    int32_t top = -1;
    float top_score = 0.0f;
    for (int32_t label = 0; label < labels; ++label) {
        float sum = 0.0f;
        for (int32_t i = 0; i < r->count; ++i) {
            sum += r->scores[(size_t)slot(r, i) * (size_t)labels + (size_t)label];
        }
        const float average = sum / (float)r->count;
        if (top < 0 || average > top_score) {
            top = label;
            top_score = average;
        }
    }
    if (top == c->silence_index || top == c->unknown_index || top_score < c->detection_threshold) {
        return 0;
    }
    if (r->has_detection && time_ms - r->last_detection_ms < c->suppression_ms) {
        return 0;
    }
    r->has_detection = 1;
    r->last_detection_ms = time_ms;
    if (detection != NULL) {
        detection->label = top;
        detection->score = top_score;
        detection->time_ms = time_ms;
    }
    return 1;
}
