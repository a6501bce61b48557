using System.Runtime.CompilerServices;

// Scratch buffers on the hot path are stackalloc'd and always written before being read.
[module: SkipLocalsInit]
