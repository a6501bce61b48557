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
    public void AWriteOfBytesAlreadyInTheBuffer_CopiesThemAsTheyWere_WhereTheyOverlap()
    {
        // Roll the buffer back, then write bytes from where it now ends and before: the copy's source and
        // destination overlap, so bytes stored before all were read would be read back changed.
        Gen.Select(Gen.Byte.Array[40, 80], Gen.Int[1, 32], Gen.Int[0, 40], Gen.Int[1, 32]).Sample((prefix, back, from, length) =>
        {
            using var buffer = new ByteBuffer(4096);
            buffer.Write(prefix);
            buffer.Length = prefix.Length - back;
            var start = Math.Min(from, buffer.Length - 1);
            var count = Math.Min(length, prefix.Length - start);
            buffer.Write(buffer.Slice(start, count));
            return buffer.WrittenSpan[(prefix.Length - back)..].SequenceEqual(prefix.AsSpan(start, count));
        }, iter: 3000);
    }
}
