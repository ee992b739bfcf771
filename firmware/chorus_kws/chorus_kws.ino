// Chorus keyword spotting for the Arduino Nano 33 BLE Sense, structured like TFLM's micro_speech:
// audio provider (PDM microphone, ring buffer) -> feature provider (Chorus's portable feature code, the same
// features as training) -> model runner (TFLM, only the model's ops) -> command recognizer (averaging window,
// threshold, suppression, minimum count) -> command responder (serial and LED).
// Every number comes from model_settings.h, generated with the model. See README.md to build and flash.
#include "model_settings.h"

#if CHORUS_PLACEHOLDER
#error "model_settings.h is a placeholder without a model: use the sketch from a Chorus model package"
#endif

#include <Arduino.h>

#include "audio_provider.h"
#include "command_responder.h"
#include "feature_provider.h"
#include "model_runner.h"
#include "recognize_commands.h"

namespace {

bool g_ready = false;

void halt(const char* why) {
    Serial.print("chorus_kws: ");
    Serial.println(why);
    g_ready = false;
}

}  // namespace

void setup() {
    Serial.begin(115200);
    const uint32_t waited = millis();
    while (!Serial && millis() - waited < 2000) {  // give a serial monitor a moment, but run without one
    }
    command_responder_begin();
    if (!model_runner_begin()) {
        return halt("the model did not load (see the message above)");
    }
    if (!feature_provider_begin()) {
        return halt("the feature code refused model_settings.h");
    }
    if (!recognize_commands_begin()) {
        return halt("the recognizer refused model_settings.h");
    }
    if (!audio_provider_begin()) {
        return halt("the PDM microphone did not start");
    }
    Serial.print("chorus_kws: listening; arena ");
    Serial.print((unsigned long)model_runner_arena_used());
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
    if (dropped > 0) {  // the loop fell behind: start the window and the recognizer afresh
        Serial.print("chorus_kws: dropped ");
        Serial.print((unsigned long)dropped);
        Serial.println(" samples");
        feature_provider_restart(audio_provider_position());
        recognize_commands_reset();
    }
    int16_t samples[CHORUS_HOP_SAMPLES];
    const size_t count = audio_provider_read(samples, CHORUS_HOP_SAMPLES);
    if (count == 0 || !feature_provider_push(samples, count)) {
        return;
    }
    float probabilities[CHORUS_LABEL_COUNT];
    if (!model_runner_invoke(feature_provider_input(), probabilities)) {
        Serial.println("chorus_kws: Invoke failed");
        return;
    }
    command_responder_tick();
    chorus_detection detection;
    if (recognize_commands_process(probabilities, feature_provider_time_ms(), &detection)) {
        respond_to_command(recognize_commands_label(detection.label), detection.label, detection.score,
                           detection.time_ms);
    }
}
