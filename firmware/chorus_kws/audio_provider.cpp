// Audio provider for the Arduino Nano 33 BLE (Sense): the PDM library that ships with the Mbed OS Nano core.
#include "audio_provider.h"

#include <PDM.h>
#include <string.h>

#include "model_settings.h"

namespace {

constexpr int kPdmGain = 20;                        // the micro_speech setting for the on-board microphone
constexpr size_t kPdmBufferBytes = 512;             // one PDM callback delivers at most this much
constexpr size_t kRingSamples = 8192;               // 512 ms of audio at 16 kHz: room for a slow inference
constexpr size_t kSafetySamples = kPdmBufferBytes;  // never read what the next callback may overwrite

int16_t g_ring[kRingSamples];
volatile uint32_t g_written = 0;  // samples written since the start; only the PDM callback writes it
uint32_t g_read = 0;              // samples read (or skipped) since the start
uint32_t g_dropped = 0;

void on_pdm_data() {
    int16_t buffer[kPdmBufferBytes / 2];
    int available = PDM.available();
    while (available > 0) {
        const int bytes = available < (int)sizeof(buffer) ? available : (int)sizeof(buffer);
        const int got = PDM.read(buffer, bytes) / 2;
        uint32_t position = g_written;
        for (int i = 0; i < got; ++i) {
            g_ring[position % kRingSamples] = buffer[i];
            ++position;
        }
        g_written = position;
        available -= bytes;
    }
}

}  // namespace

bool audio_provider_begin() {
    PDM.onReceive(on_pdm_data);
    PDM.setBufferSize(kPdmBufferBytes);
    if (!PDM.begin(1, CHORUS_SAMPLE_RATE)) {
        return false;
    }
    PDM.setGain(kPdmGain);
    return true;
}

size_t audio_provider_read(int16_t* destination, size_t max) {
    const uint32_t written = g_written;  // one aligned 32-bit load: atomic on Cortex-M4
    uint32_t backlog = written - g_read;
    if (backlog > kRingSamples - kSafetySamples) {  // the oldest samples are being overwritten: skip them
        const uint32_t skip = backlog - (kRingSamples - kSafetySamples);
        g_read += skip;
        g_dropped += skip;
        backlog -= skip;
    }
    const size_t count = backlog < max ? backlog : max;
    for (size_t i = 0; i < count; ++i) {
        destination[i] = g_ring[(g_read + i) % kRingSamples];
    }
    g_read += count;
    return count;
}

uint32_t audio_provider_take_dropped() {
    const uint32_t dropped = g_dropped;
    g_dropped = 0;
    return dropped;
}

uint32_t audio_provider_position() {
    return g_read;
}
