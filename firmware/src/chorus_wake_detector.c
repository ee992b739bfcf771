/* Chorus wake detector: see chorus_wake_detector.h; it mirrors kws.wake_word_eval.wakes. */
#include "chorus_wake_detector.h"

#include <stddef.h>
#include <string.h>

int chorus_wake_detector_init(chorus_wake_detector *d, const chorus_wake_config *config) {
    if (config->window < 1 || config->window > CHORUS_WAKE_MAX_WINDOW || config->refractory_steps < 0 ||
        !(config->output_scale > 0.0f)) {
        return CHORUS_WAKE_ERR_CONFIG;
    }
    memset(d, 0, sizeof(*d));
    d->config = *config;
    chorus_wake_detector_reset(d);
    return CHORUS_WAKE_OK;
}

void chorus_wake_detector_reset(chorus_wake_detector *d) {
    memset(d->outputs, 0, sizeof(d->outputs));
    d->filled = 0;
    d->next = 0;
    d->sum = 0;
    d->step = 0;
    d->quiet_to = 0;
}

int chorus_wake_detector_process(chorus_wake_detector *d, int32_t raw_output, float *mean) {
    const chorus_wake_config *c = &d->config;
    if (d->filled == c->window) {
        d->sum -= d->outputs[d->next];
    } else {
        d->filled += 1;
    }
    d->outputs[d->next] = raw_output;
    d->sum += raw_output;
    d->next = (d->next + 1) % c->window;
    const int32_t step = d->step;
    d->step += 1;
    if (d->filled < c->window) {
        if (mean != NULL) {
            *mean = 0.0f;
        }
        return 0;
    }
    const float average = (float)(d->sum - c->window * c->output_zero_point) * c->output_scale / (float)c->window;
    if (mean != NULL) {
        *mean = average;
    }
    if (!(average > c->cutoff) || step < d->quiet_to) {
        return 0;
    }
    d->quiet_to = step + c->refractory_steps;
    return 1;
}
