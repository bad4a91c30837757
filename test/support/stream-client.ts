import request from 'supertest';

/** A partition as assignments and offsets name it. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What every join, poll and heartbeat answers with. */
export interface AssignmentAnswer {
  generation: number;
  assignment: TopicPartition[];
}

/**
 * Records every assignment a member was told of, and checks the rule that matters: within one
 * generation no partition belongs to two members, and a generation never names two assignments
 * for the same member.
 */
export class AssignmentTimeline {
  readonly observations: Array<{ memberId: string } & AssignmentAnswer> = [];

  observe(memberId: string, answer: AssignmentAnswer): void {
    this.observations.push({
      memberId,
      generation: answer.generation,
      assignment: answer.assignment,
    });
  }

  /** Every conflict found, as readable lines; empty when the timeline is sound. */
  conflicts(): string[] {
    const owners = new Map<string, string>(); // "generation topic/partition" -> member
    const told = new Map<string, string>(); // "generation member" -> assignment
    const found: string[] = [];
    for (const o of this.observations) {
      const assignment = o.assignment.map((p) => `${p.topic}/${p.partition}`).join(',');
      const before = told.get(`${o.generation} ${o.memberId}`);
      if (before !== undefined && before !== assignment) {
        found.push(
          `generation ${o.generation}: ${o.memberId} told [${before}] and [${assignment}]`,
        );
      }
      told.set(`${o.generation} ${o.memberId}`, assignment);
      for (const p of o.assignment) {
        const key = `${o.generation} ${p.topic}/${p.partition}`;
        const owner = owners.get(key);
        if (owner !== undefined && owner !== o.memberId) {
          found.push(
            `generation ${o.generation}: ${p.topic}/${p.partition} owned by ${owner} and ${o.memberId}`,
          );
        }
        owners.set(key, o.memberId);
      }
    }
    return found;
  }
}

/** HTTP helpers for one streaming consumer group; answers that are not 2xx throw. */
export class StreamClient {
  constructor(
    readonly url: string,
    readonly group: string,
    readonly timeline = new AssignmentTimeline(),
  ) {}

  private expectOk(res: request.Response, what: string): any {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async produce(
    topic: string,
    records: object[],
  ): Promise<Array<TopicPartition & { offset: number }>> {
    const res = await request(this.url).post(`/topics/${topic}/records`).send({ records });
    return this.expectOk(res, 'produce').offsets;
  }

  async createTopic(name: string, partitions: number): Promise<void> {
    this.expectOk(
      await request(this.url).post('/topics').send({ name, partitions }),
      'create topic',
    );
  }

  async join(body: object): Promise<AssignmentAnswer & { memberId: string }> {
    const res = await request(this.url).post(`/streams/groups/${this.group}/members`).send(body);
    if (res.status !== 201) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`);
    this.timeline.observe(res.body.memberId, res.body);
    return res.body;
  }

  pollRaw(memberId: string, body: object = {}): request.Test {
    return request(this.url)
      .post(`/streams/groups/${this.group}/members/${memberId}/poll`)
      .send(body);
  }

  async poll(memberId: string, body: object = {}): Promise<AssignmentAnswer & { records: any[] }> {
    const answer = this.expectOk(await this.pollRaw(memberId, body), `poll ${memberId}`);
    this.timeline.observe(memberId, answer);
    return answer;
  }

  /**
   * A heartbeat; with `owned` (the partitions the member still reads) it also hands over the
   * revoked partitions the list does not name.
   */
  async heartbeat(memberId: string, owned?: TopicPartition[]): Promise<AssignmentAnswer> {
    const res = await request(this.url)
      .post(`/streams/groups/${this.group}/members/${memberId}/heartbeat`)
      .send(owned === undefined ? {} : { owned });
    const answer = this.expectOk(res, `heartbeat ${memberId}`);
    this.timeline.observe(memberId, answer);
    return answer;
  }

  commitRaw(memberId: string, generation: number, offsets: object[]): request.Test {
    return request(this.url)
      .post(`/streams/groups/${this.group}/offsets`)
      .send({ memberId, generation, offsets });
  }

  async commit(memberId: string, generation: number, offsets: object[]): Promise<void> {
    this.expectOk(await this.commitRaw(memberId, generation, offsets), `commit ${memberId}`);
  }

  async leave(memberId: string): Promise<void> {
    const res = await request(this.url).delete(`/streams/groups/${this.group}/members/${memberId}`);
    if (res.status !== 204) throw new Error(`leave: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async describe(): Promise<any> {
    const res = await request(this.url).get(`/streams/groups/${this.group}`);
    const view = this.expectOk(res, 'describe');
    for (const m of view.members) this.timeline.observe(m.memberId, { ...view, ...m });
    return view;
  }

  async reset(body: object): Promise<any> {
    const res = await request(this.url)
      .post(`/streams/groups/${this.group}/offsets/reset`)
      .send(body);
    return this.expectOk(res, 'reset');
  }
}
