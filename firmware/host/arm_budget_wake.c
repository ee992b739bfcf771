/* The wake-word sketch's share of the core, for the Cortex-M4F size budget (make arm): the micro frontend and the
 * wake detector with their static state, called as chorus_wake_word/ calls them, so the linker keeps exactly what
 * the device would carry. Never run: it is linked only to be measured with arm-none-eabi-size. */
#include "chorus_micro_frontend.h"
#include "chorus_wake_detector.h"

#define STRIDE_FRAMES 3 /* a microWakeWord model's step */

static chorus_micro_frontend_state frontend;
static chorus_wake_detector detector;
static int8_t model_input[STRIDE_FRAMES * CHORUS_MF_CHANNELS];

/* audio and model outputs arrive from outside: volatile so nothing is folded away */
volatile int16_t chorus_budget_sample;
volatile int32_t chorus_budget_output;
volatile int32_t chorus_budget_result;

void chorus_budget_wake_entry(void);

void chorus_budget_wake_entry(void) {
    const chorus_wake_config config = {5, 0.9f, 33, 1.0f / 256.0f, 0};
    chorus_micro_frontend_init(&frontend);
    chorus_wake_detector_init(&detector, &config);
    int frames = 0;
    for (;;) {
        int16_t step[CHORUS_MF_STEP_SAMPLES];
        for (int i = 0; i < CHORUS_MF_STEP_SAMPLES; ++i) {
            step[i] = chorus_budget_sample;
        }
        size_t read = 0;
        uint16_t frame[CHORUS_MF_CHANNELS];
        if (chorus_micro_frontend_process(&frontend, step, CHORUS_MF_STEP_SAMPLES, &read, frame) == 1) {
            chorus_micro_frontend_quantize(frame, 0.10196078f, -128, model_input + frames * CHORUS_MF_CHANNELS);
            frames = (frames + 1) % STRIDE_FRAMES;
            if (frames == 0) {
                float mean = 0.0f;
                const int32_t raw = chorus_budget_output + model_input[0];
                chorus_budget_result = chorus_wake_detector_process(&detector, raw, &mean);
            }
        }
    }
}
