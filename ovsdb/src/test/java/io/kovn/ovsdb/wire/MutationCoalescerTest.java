package io.kovn.ovsdb.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which mutations fold into one operation per row, and which stay apart because something touches the row. */
class MutationCoalescerTest {
    private static final Uuid A = Uuid.of("00000000-0000-0000-0000-00000000000a");
    private static final Uuid B = Uuid.of("00000000-0000-0000-0000-00000000000b");

    private static Operation.Mutate mutate(String table, Uuid row, Mutation.Mutator mutator, Object... values) {
        return new Operation.Mutate(table, List.of(Condition.uuid(row)),
                List.of(new Mutation("addresses", mutator, Set.of(values))));
    }

    private static Operation.Mutate insert(Uuid row, Object... values) {
        return mutate("Address_Set", row, Mutation.Mutator.INSERT, values);
    }

    private static Operation.Mutate delete(Uuid row, Object... values) {
        return mutate("Address_Set", row, Mutation.Mutator.DELETE, values);
    }

    @Test
    void eachRowsMutationsBecomeOneOperationAtItsFirstPlaceInOrder() {
        Operation.Insert port = new Operation.Insert("Logical_Switch_Port", "p1", Map.of("name", "p1"));
        List<Operation> out = MutationCoalescer.coalesce(List.of(insert(A, "10.0.0.1"), insert(B, "10.0.0.9"), port,
                insert(A, "10.0.0.2"), delete(A, "10.0.0.3"), delete(A, "10.0.0.4"), insert(A, "10.0.0.3")));
        assertThat(out).hasSize(3);
        assertThat(out).containsExactly(
                new Operation.Mutate("Address_Set", List.of(Condition.uuid(A)), List.of(
                        new Mutation("addresses", Mutation.Mutator.INSERT, Set.of("10.0.0.1", "10.0.0.2")),
                        new Mutation("addresses", Mutation.Mutator.DELETE, Set.of("10.0.0.3", "10.0.0.4")),
                        new Mutation("addresses", Mutation.Mutator.INSERT, Set.of("10.0.0.3")))),
                insert(B, "10.0.0.9"), port);
    }

    @Test
    void anOperationTouchingTheRowInBetweenKeepsTheMutationsOnEitherSideApart() {
        Operation.Update rewrite = new Operation.Update("Address_Set", List.of(Condition.uuid(A)),
                Map.of("addresses", Set.of("10.0.0.7")));
        List<Operation> out = MutationCoalescer.coalesce(List.of(insert(A, "10.0.0.1"), insert(B, "10.0.0.8"), rewrite,
                insert(A, "10.0.0.2"), insert(B, "10.0.0.9")));
        // A's second insert must come after the update that rewrites A; B folds across it
        assertThat(out).hasSize(4);
        assertThat(out.get(0)).isEqualTo(insert(A, "10.0.0.1"));
        assertThat(((Operation.Mutate) out.get(1)).mutations()).singleElement()
                .satisfies(m -> assertThat(List.<Object>copyOf((Set<?>) m.value())).containsExactly("10.0.0.8", "10.0.0.9"));
        assertThat(out.get(2)).isEqualTo(rewrite);
        assertThat(out.get(3)).isEqualTo(insert(A, "10.0.0.2"));
    }

    @Test
    void aConditionOnTheTableOtherThanTheUuidEndsFoldingForAllItsRows() {
        Operation.Wait byName = new Operation.Wait("Address_Set", 0L,
                List.of(new Condition("name", Condition.Function.EQ, "x")), List.of("name"), true, List.of());
        Operation.Mutate other = mutate("Port_Group", A, Mutation.Mutator.INSERT, "p");
        List<Operation> ops = List.of(insert(A, "1"), other, byName, insert(A, "2"),
                mutate("Port_Group", A, Mutation.Mutator.INSERT, "q"));
        List<Operation> out = MutationCoalescer.coalesce(ops);
        // the address set's rows may be what the wait reads: apart; the port group (another table) folds
        assertThat(out).hasSize(4);
        assertThat(out.get(2)).isEqualTo(byName);
        assertThat(out.get(3)).isEqualTo(insert(A, "2"));
        assertThat(((Operation.Mutate) out.get(1)).mutations().get(0).value()).isEqualTo(Set.of("p", "q"));
    }

    @Test
    void mapMutationsAndOtherMutatorsAreLeftAsTheyAre() {
        Operation.Mutate map = new Operation.Mutate("Chassis_Template_Var", List.of(Condition.uuid(A)),
                List.of(new Mutation("variables", Mutation.Mutator.INSERT, Map.of("k", "v"))));
        Operation.Mutate counter = new Operation.Mutate("NB_Global", List.of(Condition.uuid(B)),
                List.of(new Mutation("nb_cfg", Mutation.Mutator.ADD, 1L)));
        List<Operation> ops = List.of(map, map, counter, counter);
        assertThat(MutationCoalescer.coalesce(ops)).isSameAs(ops);
    }
}
