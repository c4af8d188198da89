package io.kovn.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The strategic merge patches kubectl sends, applied as kube-apiserver applies them. */
class StrategicMergePatchTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode apply(String target, String patch) {
        return StrategicMergePatch.apply(JSON.readTree(target.replace('\'', '"')), JSON.readTree(patch.replace('\'', '"')));
    }

    @Test
    void mergesAListByTheKeyItsElementOrderNames() {
        JsonNode out = apply("{'spec':{'containers':[{'name':'a','image':'a1','ports':[{'containerPort':80}]},"
                        + "{'name':'b','image':'b1'}]}}",
                "{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],'containers':[{'name':'b','image':'b2'}]}}");
        assertThat(out.toString()).isEqualTo("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a1\","
                + "\"ports\":[{\"containerPort\":80}]},{\"name\":\"b\",\"image\":\"b2\"}]}}");
    }

    @Test
    void deletesListElementsAndFieldsAndOrdersAsAsked() {
        JsonNode out = apply("{'l':[{'k':'x','v':1},{'k':'y','v':2}],'gone':1,'m':{'a':1,'b':2}}",
                "{'$setElementOrder/l':[{'k':'z'},{'k':'y'}],'l':[{'k':'x','$patch':'delete'},{'k':'z','v':3}],"
                        + "'gone':null,'m':{'b':null,'c':3}}");
        assertThat(out.toString()).isEqualTo("{\"l\":[{\"k\":\"z\",\"v\":3},{\"k\":\"y\",\"v\":2}],\"m\":{\"a\":1,\"c\":3}}");
    }

    @Test
    void replacesListsItKnowsNoKeyFor() {
        JsonNode out = apply("{'spec':{'ingress':[{'from':[{'podSelector':{'matchLabels':{'role':'x'}}}]}]}}",
                "{'spec':{'ingress':[{'from':[{'podSelector':{}}]}]}}");
        assertThat(out.toString()).isEqualTo("{\"spec\":{\"ingress\":[{\"from\":[{\"podSelector\":{}}]}]}}");
    }

    @Test
    void honoursReplaceAndRetainKeysDirectives() {
        assertThat(apply("{'m':{'a':1,'b':2}}", "{'m':{'$patch':'replace','c':3}}").toString())
                .isEqualTo("{\"m\":{\"c\":3}}");
        assertThat(apply("{'s':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}",
                "{'s':{'$retainKeys':['type'],'type':'Recreate'}}").toString()).isEqualTo("{\"s\":{\"type\":\"Recreate\"}}");
        assertThat(apply("{'f':['a','b','c']}", "{'$deleteFromPrimitiveList/f':['b']}").toString())
                .isEqualTo("{\"f\":[\"a\",\"c\"]}");
    }
}
