#include "command_responder.h"

#include <Arduino.h>

namespace {

constexpr uint32_t kShowMs = 1000;  // how long a command's colour stays on
uint32_t g_off_at_ms = 0;
bool g_showing = false;
bool g_heartbeat = false;

#if defined(LEDR) && defined(LEDG) && defined(LEDB)
// The Nano 33 BLE's RGB LED is active low. Colours cycle by label index: red, green, blue, yellow, magenta, cyan.
constexpr uint8_t kColours[6] = {0b100, 0b010, 0b001, 0b110, 0b101, 0b011};

void set_colour(uint8_t rgb) {
    digitalWrite(LEDR, (rgb & 0b100) ? LOW : HIGH);
    digitalWrite(LEDG, (rgb & 0b010) ? LOW : HIGH);
    digitalWrite(LEDB, (rgb & 0b001) ? LOW : HIGH);
}
#else
void set_colour(uint8_t) {}
#endif

}  // namespace

void command_responder_begin() {
    pinMode(LED_BUILTIN, OUTPUT);
#if defined(LEDR) && defined(LEDG) && defined(LEDB)
    pinMode(LEDR, OUTPUT);
    pinMode(LEDG, OUTPUT);
    pinMode(LEDB, OUTPUT);
#endif
    set_colour(0);
}

void respond_to_command(const char* label, int32_t label_index, float score, int32_t time_ms) {
    Serial.print("Heard ");
    Serial.print(label);
    Serial.print(" (score ");
    Serial.print(score, 2);
    Serial.print(") at ");
    Serial.print(time_ms);
    Serial.println(" ms");
#if defined(LEDR) && defined(LEDG) && defined(LEDB)
    set_colour(kColours[label_index % 6]);
#else
    (void)label_index;
#endif
    g_showing = true;
    g_off_at_ms = millis() + kShowMs;
}

void command_responder_tick() {
    g_heartbeat = !g_heartbeat;
    digitalWrite(LED_BUILTIN, g_heartbeat ? HIGH : LOW);
    if (g_showing && (int32_t)(millis() - g_off_at_ms) >= 0) {
        set_colour(0);
        g_showing = false;
    }
}
