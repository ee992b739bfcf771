// Command responder: a line on the serial port and a colour on the RGB LED for each recognized command; the
// built-in LED toggles on every inference, so a working board visibly listens.
#ifndef CHORUS_KWS_COMMAND_RESPONDER_H_
#define CHORUS_KWS_COMMAND_RESPONDER_H_

#include <stdint.h>

void command_responder_begin();

// A command was recognized.
void respond_to_command(const char* label, int32_t label_index, float score, int32_t time_ms);

// Called after every inference: toggles the built-in LED, turns the command colour off when its time is up.
void command_responder_tick();

#endif  // CHORUS_KWS_COMMAND_RESPONDER_H_
