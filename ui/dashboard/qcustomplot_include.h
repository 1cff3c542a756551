#pragma once

// qcustomplot.h is written with Qt's keywords (signals, slots, emit, foreach), which this
// project turns off because they collide with LibTorch identifiers: they are defined for that
// header alone.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
