using System.Buffers;
using System.Numerics;
using DynamoLake.Core.Changes;

namespace Transform;

/// <summary>
/// Within one request, several changes of the same item collapse to the newest (event time, then
/// sequence number, then subsequence, then position); the older ones are Dropped. Each row is a full
/// image, so the newest alone gives the same final state, and Firehose need not order two writes of one key.
/// </summary>
internal static class NewestChangeWins
{
    /// <summary>Marks in <paramref name="superseded"/> every converted record that a newer change of the same key replaces.</summary>
    public static void Mark(ChangeBatch batch, Span<bool> superseded)
    {
        // An open-addressing table of record index + 1 (0: empty), at most half full, from the pool: one hash of
        // each key, compared only within its probe run.
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2 * batch.Count, 16));
        var slots = ArrayPool<int>.Shared.Rent(size);
        try
        {
            var table = slots.AsSpan(0, size);
            table.Clear();
            var mask = size - 1;
            for (var i = 0; i < batch.Count; i++)
            {
                if (!batch.Succeeded(i))
                {
                    continue;
                }

                var slot = batch.KeyHash(i) & mask;
                while (table[slot] != 0 && !batch.SameKey(table[slot] - 1, i))
                {
                    slot = (slot + 1) & mask;
                }

                var current = table[slot] - 1;
                if (current < 0)
                {
                    table[slot] = i + 1;
                }
                else if (batch.CompareRecency(i, current) > 0)
                {
                    superseded[current] = true;
                    table[slot] = i + 1;
                }
                else
                {
                    superseded[i] = true;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(slots);
        }
    }
}
