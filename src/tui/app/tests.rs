//! Unit tests of the chat client state machine, driven with fabricated answers and events.
