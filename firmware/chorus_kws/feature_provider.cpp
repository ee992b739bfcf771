#include "feature_provider.h"

#include "model_settings.h"
#include "src/chorus_settings.h"

namespace {

float g_workspace[CHORUS_SETTINGS_WORKSPACE_FLOATS];
chorus_features g_features;
uint32_t g_base_ms = 0;  // audio clock at the last restart

}  // namespace

bool feature_provider_begin() {
    chorus_features_config config;
    chorus_settings_features(&config);
    return chorus_features_init(&g_features, &config, g_workspace, CHORUS_SETTINGS_WORKSPACE_FLOATS) == CHORUS_OK;
}

void feature_provider_restart(uint32_t position) {
    chorus_features_reset(&g_features);
    g_base_ms = (position / CHORUS_SAMPLE_RATE) * 1000u + (position % CHORUS_SAMPLE_RATE) * 1000u / CHORUS_SAMPLE_RATE;
}

bool feature_provider_push(const int16_t* samples, size_t count) {
    if (chorus_features_push(&g_features, samples, count) == 0 || !chorus_features_ready(&g_features)) {
        return false;
    }
    return (g_features.frames_total - CHORUS_FRAMES) % CHORUS_INFERENCE_STRIDE_FRAMES == 0;
}

const int8_t* feature_provider_input() {
    return chorus_features_matrix(&g_features);
}

int32_t feature_provider_time_ms() {
    return (int32_t)g_base_ms + chorus_features_window_end_ms(&g_features);
}
