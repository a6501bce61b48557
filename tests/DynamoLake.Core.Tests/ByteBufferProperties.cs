using CsCheck;
using DynamoLake.Core.Buffers;

namespace DynamoLake.Core.Tests;

/// <summary>A buffer holds exactly the bytes written to it, in order, whatever their lengths and however it grew.</summary>
public sealed class ByteBufferProperties
{
    [Fact]
    public void WrittenBytesAreExactlyThoseWritten_AtEveryLength()
    {
        Gen.Select(Gen.Byte.Array[0, 70].Array[1, 60], Gen.Int[0, 300]).Sample((writes, initial) =>
        {
            using var buffer = new ByteBuffer(initial);
            var expected = new List<byte>();
            foreach (var bytes in writes)
            {
                buffer.Write(bytes);
                expected.AddRange(bytes);
            }

            return buffer.WrittenSpan.SequenceEqual(expected.ToArray());
        }, iter: 3000);
    }

    [Fact]
    public void AWriteOfBytesAlreadyInTheBuffer_CopiesThemAsTheyWere()
    {
        Gen.Select(Gen.Byte.Array[40, 80], Gen.Int[0, 39], Gen.Int[1, 32]).Sample((prefix, start, length) =>
        {
            using var buffer = new ByteBuffer(4096);
            buffer.Write(prefix);
            var length2 = Math.Min(length, prefix.Length - start);
            buffer.Write(buffer.Slice(start, length2));
            return buffer.WrittenSpan[prefix.Length..].SequenceEqual(prefix.AsSpan(start, length2));
        }, iter: 2000);
    }
}
