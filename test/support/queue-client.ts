import request from 'supertest';

/** Small helpers for share-group e2e tests over HTTP. */
export class QueueClient {
  constructor(readonly url: string) {}

  async produce(
    topic: string,
    records: object[],
  ): Promise<Array<{ partition: number; offset: number }>> {
    const res = await request(this.url).post(`/topics/${topic}/records`).send({ records });
    if (res.status !== 200) throw new Error(`produce ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.offsets;
  }

  async putGroup(group: string, body: object): Promise<any> {
    const res = await request(this.url).put(`/queues/groups/${group}`).send(body);
    if (res.status !== 200) throw new Error(`put group ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async receive(group: string, body: object = {}): Promise<{ memberId: string; records: any[] }> {
    const res = await request(this.url).post(`/queues/groups/${group}/receive`).send(body);
    if (res.status !== 200) throw new Error(`receive ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async ack(group: string, acks: unknown[]): Promise<any[]> {
    const res = await request(this.url).post(`/queues/groups/${group}/acks`).send({ acks });
    if (res.status !== 200) throw new Error(`acks ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.results;
  }

  async describe(group: string): Promise<any> {
    const res = await request(this.url).get(`/queues/groups/${group}`);
    if (res.status !== 200) throw new Error(`describe ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Every record of a partition from `offset` on. */
  async readAll(topic: string, partition: number, offset = 0): Promise<any[]> {
    const all: any[] = [];
    let next = offset;
    for (let page = 0; page < 10_000; page++) {
      const res = await request(this.url).get(
        `/topics/${topic}/partitions/${partition}/records?offset=${next}&maxRecords=5000`,
      );
      if (res.status !== 200) throw new Error(`read ${res.status} ${JSON.stringify(res.body)}`);
      all.push(...res.body.records);
      if (res.body.nextOffset >= res.body.logEndOffset) return all;
      next = res.body.nextOffset;
    }
    return all;
  }
}
