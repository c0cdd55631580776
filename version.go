package hookd

// Version is hookd's version, set at build time with
// -ldflags "-X hookd.Version=…".
var Version = "0.1.0-dev"
