/* The portable core as the sketch uses it, for the Cortex-M4F size budget (make arm): static state sized by
 * model_settings.h, and an entry point that calls every function the sketch calls, so the linker keeps exactly
 * what the device would carry. Never run: it is linked only to be measured with arm-none-eabi-size. */
#include "model_settings.h"

#include "chorus_settings.h"

static float workspace[CHORUS_SETTINGS_WORKSPACE_FLOATS];
static float recognizer_scores[CHORUS_SETTINGS_RECOGNIZER_FLOATS];
static int32_t recognizer_times[CHORUS_RECOGNIZER_CAPACITY];
static chorus_features features;
static chorus_recognizer recognizer;

/* audio and model outputs arrive from outside: volatile so nothing is folded away */
volatile int16_t chorus_budget_sample;
volatile float chorus_budget_scores[CHORUS_LABEL_COUNT];
volatile int32_t chorus_budget_result;

void chorus_budget_entry(void);

void chorus_budget_entry(void) {
    chorus_features_config features_config;
    chorus_recognizer_config recognizer_config;
    chorus_settings_features(&features_config);
    chorus_settings_recognizer(&recognizer_config);
    chorus_features_init(&features, &features_config, workspace, CHORUS_SETTINGS_WORKSPACE_FLOATS);
    chorus_recognizer_init(&recognizer, &recognizer_config, recognizer_scores, recognizer_times,
                           CHORUS_RECOGNIZER_CAPACITY);
    for (;;) {
        int16_t hop[CHORUS_HOP_SAMPLES];
        float scores[CHORUS_LABEL_COUNT];
        for (int i = 0; i < CHORUS_HOP_SAMPLES; ++i) {
            hop[i] = chorus_budget_sample;
        }
        if (chorus_features_push(&features, hop, CHORUS_HOP_SAMPLES) > 0 && chorus_features_ready(&features)) {
            const int8_t *input = chorus_features_matrix(&features);
            for (int i = 0; i < CHORUS_LABEL_COUNT; ++i) {
                scores[i] = chorus_budget_scores[i] + (float)input[i];
            }
            const int32_t time_ms = chorus_features_window_end_ms(&features);
            chorus_detection detection;
            if (chorus_recognizer_process(&recognizer, scores, time_ms, &detection) > 0) {
                chorus_budget_result = detection.label;
            }
        }
    }
}
