package io.kovn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemberStatusTest {

    @Test
    void readsRoleTermAndIndexFromClusterStatus() {
        MemberStatus s = MemberStatus.parse("""
                Name: OVN_Northbound
                Cluster ID: 6ff5 (6ff5cc31-1042-4800-827b-5732912f89e3)
                Status: cluster member
                Role: follower
                Term: 4
                Leader: 1a2f
                Log: [2, 23]
                Entries not yet committed: 0
                """);
        assertThat(s).isEqualTo(new MemberStatus("follower", 4, 22, true));
        assertThat(s.leader()).isFalse();
    }

    @Test
    void aMemberStillJoiningIsNotAClusterMember() {
        MemberStatus s = MemberStatus.parse("Status: joining cluster\nRole: candidate\nTerm: 1\n");
        assertThat(s.clusterMember()).isFalse();
        assertThat(s.index()).isZero();
    }
}
