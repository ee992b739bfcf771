// Command recognizer: the portable Chorus recognizer (src/chorus_recognizer.c, the twin of kws/recognizer.py)
// with the model's labels and the recognizer parameters of model_settings.h.
#ifndef CHORUS_KWS_RECOGNIZE_COMMANDS_H_
#define CHORUS_KWS_RECOGNIZE_COMMANDS_H_

#include <stdint.h>

#include "src/chorus_recognizer.h"

bool recognize_commands_begin();

// Forget the results so far (after lost audio).
void recognize_commands_reset();

// Feed one inference's probabilities and its timestamp; true with *detection filled when a command is recognized.
bool recognize_commands_process(const float* probabilities, int32_t time_ms, chorus_detection* detection);

// The name of a label index.
const char* recognize_commands_label(int32_t index);

#endif  // CHORUS_KWS_RECOGNIZE_COMMANDS_H_
