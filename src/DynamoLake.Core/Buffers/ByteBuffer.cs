using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DynamoLake.Core.Buffers;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}"/>. Writers append raw bytes and can roll
/// back to an earlier length (used to undo a half-written row or response entry). Dispose returns the array.
/// </summary>
public sealed class ByteBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _length;

    public ByteBuffer(int initialCapacity = 4096)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    }

    /// <summary>Bytes written so far. Setting a smaller value rolls back.</summary>
    public int Length
    {
        get => _length;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _length);
            _length = value;
        }
    }

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);

    public ReadOnlySpan<byte> Slice(int start, int length) => _array.AsSpan(start, length);

    public void Clear() => _length = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(byte value)
    {
        if (_length == _array.Length)
        {
            Grow(1);
        }

        _array[_length++] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        if (_array.Length - _length < bytes.Length)
        {
            Grow(bytes.Length);
        }

        var length = bytes.Length;
        if ((uint)(length - 1) < 32)
        {
            // Most writes are a few bytes (a column's name, a short value): two overlapping moves, both read
            // before either is written, instead of a call to the general copy.
            ref var from = ref MemoryMarshal.GetReference(bytes);
            ref var to = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _length);
            if (length > 16)
            {
                var first = Vector128.LoadUnsafe(ref from);
                var last = Vector128.LoadUnsafe(ref from, (nuint)(length - 16));
                first.StoreUnsafe(ref to);
                last.StoreUnsafe(ref to, (nuint)(length - 16));
            }
            else if (length >= 8)
            {
                var first = Unsafe.ReadUnaligned<ulong>(ref from);
                var last = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref from, length - 8));
                Unsafe.WriteUnaligned(ref to, first);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, length - 8), last);
            }
            else if (length >= 4)
            {
                var first = Unsafe.ReadUnaligned<uint>(ref from);
                var last = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref from, length - 4));
                Unsafe.WriteUnaligned(ref to, first);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, length - 4), last);
            }
            else
            {
                var first = from;
                var middle = Unsafe.Add(ref from, length >> 1);
                var last = Unsafe.Add(ref from, length - 1);
                to = first;
                Unsafe.Add(ref to, length >> 1) = middle;
                Unsafe.Add(ref to, length - 1) = last;
            }
        }
        else
        {
            bytes.CopyTo(_array.AsSpan(_length));
        }

        _length += length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _array.Length - _length);
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
    }

    /// <summary>Hands the rented array to a stream that returns it to the pool when disposed.</summary>
    public Stream DetachAsStream()
    {
        var stream = new PooledMemoryStream(_array, _length);
        _array = ArrayPool<byte>.Shared.Rent(256);
        _length = 0;
        return stream;
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _length = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int sizeHint)
    {
        if (_array.Length - _length < Math.Max(sizeHint, 1))
        {
            Grow(Math.Max(sizeHint, 1));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)_array.Length * 2, (long)_length + needed));
        if (size - _length < needed)
        {
            throw new InsufficientMemoryException($"ByteBuffer cannot grow beyond {Array.MaxLength} bytes.");
        }

        var next = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, _length).CopyTo(next);
        var old = _array;
        _array = next;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }

    private sealed class PooledMemoryStream(byte[] array, int length) : MemoryStream(array, 0, length, writable: false, publiclyVisible: false)
    {
        private byte[]? _array = array;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            var rented = Interlocked.Exchange(ref _array, null);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
