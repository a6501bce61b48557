using System.Text;
using CsCheck;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Tests;

/// <summary>
/// A field set finds each declared attribute name's column and nothing else, whatever the names: short ones, long
/// ones alike in length and in their first and last eight bytes (which share a hash whatever the seed), any UTF-8.
/// Checked against a dictionary of the same names.
/// </summary>
public sealed class FieldSetLookupProperties
{
    // Names built from a few parts so that sets often hold names alike at the ends and of one length.
    private static readonly Gen<string> s_name = Gen.OneOf(
        Gen.String[Gen.Char["ab_"], 1, 4],
        Gen.String[Gen.Char["abcdefgh_"], 5, 24],
        Gen.Select(Gen.Char["xyz"], Gen.Char["xyz"]).Select((a, b) => $"prefix01{a}{b}suffix01"),
        Gen.String[Gen.Char["xy"], 1, 8].Select(end => "abcdefgh" + end),   // 9 to 16 bytes: one head, tails apart
        Gen.String[Gen.Char["xy"], 1, 8].Select(start => start + "abcdefgh"), // and one tail, heads apart
        Gen.Select(Gen.Char["xyz"], Gen.Int[0, 12]).Select((a, n) => $"transaction_{new string(a, n)}_metadata"),
        Gen.OneOfConst("a", "é", "日", "😀").Array[1, 6].Select(parts => string.Concat(parts)));

    [Fact]
    public void EveryDeclaredNameFindsItsColumn_AndNoOtherNameFindsAny()
    {
        Gen.Select(s_name.HashSet[0, 60], s_name.Array[0, 40]).Sample((declared, others) =>
        {
            var columns = declared.Select((name, i) => new Column($"c{i}", ColumnType.Primitive(ColumnKind.String), false, name, SourceTimeUnit.Milliseconds, DerivedField.None, null)).ToList();
            var fields = new FieldSet(columns);
            var model = columns.ToDictionary(c => c.Source, StringComparer.Ordinal);
            foreach (var name in declared.Concat(others).Concat(others.Select(o => o + "x")).Concat(declared.Select(d => d[..^1])))
            {
                var expected = model.GetValueOrDefault(name);
                var found = fields.FindBySource(Encoding.UTF8.GetBytes(name));
                if (!ReferenceEquals(expected, found))
                {
                    return false;
                }
            }

            return true;
        }, iter: 2000);
    }

    [Fact]
    public void AMapsAttributesFindTheirColumns_WhateverOrderEarlierMapsTaught()
    {
        // Maps one after another, each some declared and some other names in any order, as items of one table
        // whose attribute order mostly repeats and sometimes does not: the hint learnt from the last map never
        // answers for a name that is not its own.
        var maps = Gen.Int[0, 5].SelectMany(shape => Gen.Int[0, 1000].Array[0, 12].Select(picks => (shape, picks)));
        Gen.Select(s_name.HashSet[1, 30], s_name.Array[0, 10], maps.Array[1, 25]).Sample((declared, others, sequence) =>
        {
            var names = declared.ToArray();
            var columns = names.Select((name, i) => new Column($"c{i}", ColumnType.Primitive(ColumnKind.String), false, name, SourceTimeUnit.Milliseconds, DerivedField.None, null)).ToList();
            var fields = new FieldSet(columns);
            var model = columns.ToDictionary(c => c.Source, StringComparer.Ordinal);
            var pool = names.Concat(others).ToArray();
            var hints = new Column?[fields.Count + 1]; // one invocation's, for a set of no contract (its hints start at 0)
            foreach (var (shape, picks) in sequence)
            {
                // A few shapes repeat one order (the common case); the rest are any names in any order.
                var map = shape < 3 ? pool.Skip(shape).Take(8).ToArray() : picks.Select(p => pool[p % pool.Length]).ToArray();
                Column? previous = null;
                foreach (var name in map)
                {
                    var found = fields.FindBySource(Encoding.UTF8.GetBytes(name), previous, hints);
                    if (!ReferenceEquals(model.GetValueOrDefault(name), found))
                    {
                        return false;
                    }

                    previous = found ?? previous;
                }
            }

            return true;
        }, iter: 2000);
    }

    [Fact]
    public void AFieldSetsHintsAreNumberedOnce()
    {
        // Shared by two contracts, a set would read another contract's hints as its own: refused.
        var fields = new FieldSet([new Column("id", ColumnType.Primitive(ColumnKind.String), true, "id", SourceTimeUnit.Milliseconds, DerivedField.None, null)]);
        Assert.Equal(2, Number(fields, 0));
        Assert.Throws<InvalidOperationException>(() => Number(fields, 2));

        static int Number(FieldSet set, int next)
        {
            set.NumberHints(ref next);
            return next;
        }
    }

    [Fact]
    public void DerivedColumnsAreNeverFoundByAnAttributeName()
    {
        var derived = new Column("_op", ColumnType.Primitive(ColumnKind.String), true, "_op", SourceTimeUnit.Milliseconds, DerivedField.Operation, null);
        var plain = new Column("id", ColumnType.Primitive(ColumnKind.String), true, "id", SourceTimeUnit.Milliseconds, DerivedField.None, null);
        var fields = new FieldSet([derived, plain]);
        Assert.Null(fields.FindBySource("_op"u8));
        Assert.Same(plain, fields.FindBySource("id"u8));
        Assert.Null(fields.FindBySource(""u8));
    }
}
