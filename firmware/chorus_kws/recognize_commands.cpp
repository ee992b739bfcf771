#include "recognize_commands.h"

#include "model_settings.h"
#include "src/chorus_settings.h"

namespace {

const char* const kLabels[CHORUS_LABEL_COUNT] = CHORUS_LABELS;
float g_scores[CHORUS_SETTINGS_RECOGNIZER_FLOATS];
int32_t g_times[CHORUS_RECOGNIZER_CAPACITY];
chorus_recognizer g_recognizer;

}  // namespace

bool recognize_commands_begin() {
    chorus_recognizer_config config;
    chorus_settings_recognizer(&config);
    return chorus_recognizer_init(&g_recognizer, &config, g_scores, g_times, CHORUS_RECOGNIZER_CAPACITY) ==
           CHORUS_RECOGNIZER_OK;
}

void recognize_commands_reset() {
    chorus_recognizer_reset(&g_recognizer);
}

bool recognize_commands_process(const float* probabilities, int32_t time_ms, chorus_detection* detection) {
    return chorus_recognizer_process(&g_recognizer, probabilities, time_ms, detection) == 1;
}

const char* recognize_commands_label(int32_t index) {
    return (index >= 0 && index < CHORUS_LABEL_COUNT) ? kLabels[index] : "?";
}
