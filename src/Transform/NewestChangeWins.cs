using System.Runtime.InteropServices;
using DynamoLake.Core.Changes;

namespace Transform;

/// <summary>
/// Within one request, several changes of the same item collapse to the newest (event time, then
/// sequence number, then position); the older ones are Dropped. Each row is a full image, so the newest
/// alone gives the same final state, and Firehose need not order two writes of one key.
/// </summary>
internal static class NewestChangeWins
{
    /// <summary>Marks in <paramref name="superseded"/> every converted record that a newer change of the same key replaces.</summary>
    public static void Mark(ChangeBatch batch, Span<bool> superseded)
    {
        var newest = new Dictionary<int, int>(batch.Count, new KeyComparer(batch));
        for (var i = 0; i < batch.Count; i++)
        {
            if (!batch.Succeeded(i))
            {
                continue;
            }

            // One hash of the key a record (not a look-up, then an add).
            ref var current = ref CollectionsMarshal.GetValueRefOrAddDefault(newest, i, out var seen);
            if (!seen)
            {
                current = i;
            }
            else if (batch.CompareRecency(i, current) > 0)
            {
                superseded[current] = true;
                current = i;
            }
            else
            {
                superseded[i] = true;
            }
        }
    }

    private sealed class KeyComparer(ChangeBatch batch) : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => batch.SameKey(x, y);

        public int GetHashCode(int obj) => batch.KeyHash(obj);
    }
}
