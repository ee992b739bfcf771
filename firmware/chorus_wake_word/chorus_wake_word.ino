// Chorus wake word for the Arduino Nano 33 BLE Sense, run as ESPHome's micro_wake_word runs it:
// audio provider (PDM microphone, ring buffer) -> feature provider (the TFLite Micro frontend in C, a frame every
// 10 ms) -> wake model runner (the streaming int8 model in TFLM, a step every CHORUS_STRIDE_FRAMES frames) ->
// wake detector (mean of the last CHORUS_SLIDING_WINDOW probabilities over the cutoff, a second's rest after a wake)
// -> responder (serial and LED). Every number comes from model_settings.h, generated with the model.
#include "model_settings.h"

#if CHORUS_PLACEHOLDER
#error "model_settings.h is a placeholder without a model: use the sketch from a Chorus model package"
#endif

#include <Arduino.h>

#include "audio_provider.h"
#include "command_responder.h"
#include "src/chorus_wake_detector.h"
#include "wake_feature_provider.h"
#include "wake_model_runner.h"

namespace {

bool g_ready = false;
chorus_wake_detector g_detector;

void halt(const char* why) {
    Serial.print("chorus_wake_word: ");
    Serial.println(why);
    g_ready = false;
}

int32_t audio_time_ms() {
    return (int32_t)((uint64_t)audio_provider_position() * 1000u / CHORUS_SAMPLE_RATE);
}

}  // namespace

void setup() {
    Serial.begin(115200);
    const uint32_t waited = millis();
    while (!Serial && millis() - waited < 2000) {  // give a serial monitor a moment, but run without one
    }
    command_responder_begin();
    if (!wake_model_runner_begin()) {
        return halt("the model did not load (see the message above)");
    }
    wake_feature_provider_begin();
    const chorus_wake_config detector = {CHORUS_SLIDING_WINDOW, CHORUS_PROBABILITY_CUTOFF, CHORUS_REFRACTORY_STEPS,
                                         CHORUS_OUTPUT_SCALE, CHORUS_OUTPUT_ZERO_POINT};
    if (chorus_wake_detector_init(&g_detector, &detector) != CHORUS_WAKE_OK) {
        return halt("the detector refused model_settings.h");
    }
    if (!audio_provider_begin()) {
        return halt("the PDM microphone did not start");
    }
    Serial.print("chorus_wake_word: listening for \"");
    Serial.print(CHORUS_PHRASE);
    Serial.print("\"; arena ");
    Serial.print((unsigned long)wake_model_runner_arena_used());
    Serial.print(" of ");
    Serial.print(CHORUS_ARENA_BYTES);
    Serial.print(" bytes used; ops ");
    Serial.println(CHORUS_OP_NAMES);
    g_ready = true;
}

void loop() {
    if (!g_ready) {
        return;
    }
    const uint32_t dropped = audio_provider_take_dropped();
    if (dropped > 0) {  // the loop fell behind: the frontend, the model's past and the window start afresh
        Serial.print("chorus_wake_word: dropped ");
        Serial.print((unsigned long)dropped);
        Serial.println(" samples");
        wake_feature_provider_begin();
        wake_model_runner_reset();
        chorus_wake_detector_reset(&g_detector);
    }
    int16_t samples[CHORUS_STEP_SAMPLES];
    const size_t count = audio_provider_read(samples, CHORUS_STEP_SAMPLES);
    if (count == 0 || !wake_feature_provider_push(samples, count)) {
        return;
    }
    int32_t raw = 0;
    if (!wake_model_runner_invoke(wake_feature_provider_input(), &raw)) {
        Serial.println("chorus_wake_word: Invoke failed");
        return;
    }
    command_responder_tick();
    float mean = 0.0f;
    if (chorus_wake_detector_process(&g_detector, raw, &mean) == 1) {
        respond_to_command(CHORUS_PHRASE, 0, mean, audio_time_ms());
    }
}
