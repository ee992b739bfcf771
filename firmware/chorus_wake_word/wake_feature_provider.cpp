#include "wake_feature_provider.h"

#include "model_settings.h"
#include "src/chorus_micro_frontend.h"

static_assert(CHORUS_CHANNELS == CHORUS_MF_CHANNELS, "the model takes the frontend's 40 channels");
static_assert(CHORUS_STEP_SAMPLES == CHORUS_MF_STEP_SAMPLES, "a frame every 10 ms");

namespace {

chorus_micro_frontend_state g_frontend;
int8_t g_input[CHORUS_STRIDE_FRAMES * CHORUS_CHANNELS];
int g_frames = 0;  // frames gathered toward the next model step

}  // namespace

void wake_feature_provider_begin() {
    chorus_micro_frontend_init(&g_frontend);
    g_frames = 0;
}

bool wake_feature_provider_push(const int16_t* samples, size_t count) {
    bool ready = false;
    while (count > 0) {
        size_t read = 0;
        uint16_t frame[CHORUS_MF_CHANNELS];
        if (chorus_micro_frontend_process(&g_frontend, samples, count, &read, frame) == 1) {
            chorus_micro_frontend_quantize(frame, CHORUS_INPUT_SCALE, CHORUS_INPUT_ZERO_POINT,
                                           g_input + g_frames * CHORUS_CHANNELS);
            g_frames += 1;
            if (g_frames == CHORUS_STRIDE_FRAMES) {
                g_frames = 0;
                ready = true;
            }
        }
        samples += read;
        count -= read;
    }
    return ready;
}

const int8_t* wake_feature_provider_input() {
    return g_input;
}
